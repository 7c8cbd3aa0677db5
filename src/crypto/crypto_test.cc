#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/base32.h"
#include "crypto/crc16.h"
#include "crypto/nkeys.h"
#include "crypto/nuid.h"

namespace nats::crypto {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> from_hex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Vectors below were produced with the Go nkeys library (github.com/nats-io/nkeys), so they pin
// our encoding to what nats-server and the official clients accept.

// The user seed from the NATS nkeys documentation and the public key it derives.
constexpr std::string_view kDocSeed = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";
constexpr std::string_view kDocUser = "UAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TRNO";
constexpr std::string_view kDocUserRawHex =
    "27e0d852159745267e579814a5c474ef9e81237614d2562517ead779c0e6dbc9";
constexpr std::string_view kDocSeedRawHex =
    "c568a6e311ea13601176556dc88044441335fb65629496f6e976456566aeb05d";
// Ed25519 is deterministic, so Go's signature of "nonce-XYZ" with kDocSeed must match ours.
constexpr std::string_view kDocSigHex =
    "fdd5a4003899c3ce80436f35789a82df0a1515ae2db769f39648a9928b8dbb76"
    "ef157ff8661b7033ab09e7e71f5e032d51dba41b8b723dfb1e35fc41dd04820f";

TEST(Base32, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base32_encode(bytes("")), "");
  EXPECT_EQ(base32_encode(bytes("f")), "MY");
  EXPECT_EQ(base32_encode(bytes("fo")), "MZXQ");
  EXPECT_EQ(base32_encode(bytes("foo")), "MZXW6");
  EXPECT_EQ(base32_encode(bytes("foob")), "MZXW6YQ");
  EXPECT_EQ(base32_encode(bytes("fooba")), "MZXW6YTB");
  EXPECT_EQ(base32_encode(bytes("foobar")), "MZXW6YTBOI");
}

TEST(Base32, DecodeRoundTripsEveryLength) {
  std::vector<uint8_t> data;
  for (int n = 0; n < 40; ++n) {
    auto text = base32_encode(data);
    EXPECT_EQ(text.size(), base32_encoded_len(data.size()));
    auto back = base32_decode(text);
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, data);
    data.push_back(static_cast<uint8_t>(n * 37 + 11));
  }
}

TEST(Base32, DecodeRejectsForeignCharactersPaddingAndImpossibleLengths) {
  EXPECT_FALSE(base32_decode("MZXW6YQ=").has_value());
  EXPECT_FALSE(base32_decode("mzxw6yq").has_value());  // the alphabet is upper case only
  EXPECT_FALSE(base32_decode("MZ1W").has_value());
  EXPECT_FALSE(base32_decode("M").has_value());
  EXPECT_FALSE(base32_decode("MZX").has_value());
  EXPECT_FALSE(base32_decode("MZXW6Y").has_value());
  EXPECT_EQ(*base32_decode("MZXW6YTBOI"), bytes("foobar"));
}

TEST(Crc16, MatchesXmodemCheckValue) {
  EXPECT_EQ(crc16(bytes("123456789")), 0x31C3);
  EXPECT_EQ(crc16(bytes("")), 0);
}

TEST(Nkeys, DecodesKnownPublicKeyAndChecksCrc) {
  auto decoded = decode_public_key(kDocUser);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->prefix, PrefixByte::kUser);
  EXPECT_EQ(std::vector<uint8_t>(decoded->key.begin(), decoded->key.end()),
            from_hex(kDocUserRawHex));
  EXPECT_EQ(encode_public_key(PrefixByte::kUser, decoded->key), kDocUser);

  // Any changed character breaks the checksum (or the prefix).
  for (size_t i = 0; i < kDocUser.size(); ++i) {
    std::string bad(kDocUser);
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(decode_public_key(bad).has_value()) << i;
  }
  EXPECT_FALSE(decode_public_key(kDocUser.substr(1)).has_value());
  EXPECT_FALSE(decode_public_key("").has_value());
}

TEST(Nkeys, SameKeyUnderOtherRolesMatchesGo) {
  auto key = decode_public_key(PrefixByte::kUser, kDocUser);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(encode_public_key(PrefixByte::kOperator, *key),
            "OAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4SDSX");
  EXPECT_EQ(encode_public_key(PrefixByte::kCluster, *key),
            "CAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TH4N");
  EXPECT_FALSE(decode_public_key(PrefixByte::kServer, kDocUser).has_value());
  EXPECT_EQ(encode_public_key(PrefixByte::kSeed, *key), "");
  EXPECT_EQ(encode_public_key(PrefixByte::kPrivate, *key), "");
}

TEST(Nkeys, DecodesKnownSeedAndDerivesItsPublicKey) {
  auto seed = decode_seed(kDocSeed);
  ASSERT_TRUE(seed.has_value());
  EXPECT_EQ(seed->prefix, PrefixByte::kUser);
  EXPECT_EQ(std::vector<uint8_t>(seed->key.begin(), seed->key.end()), from_hex(kDocSeedRawHex));
  EXPECT_EQ(encode_seed(PrefixByte::kUser, seed->key), kDocSeed);

  auto kp = keypair_from_seed(kDocSeed);
  ASSERT_TRUE(kp.has_value());
  EXPECT_EQ(kp->prefix, PrefixByte::kUser);
  EXPECT_EQ(kp->public_key, kDocUser);

  // A public key is not a seed and a seed is not a public key.
  EXPECT_FALSE(decode_seed(kDocUser).has_value());
  EXPECT_FALSE(decode_public_key(kDocSeed).has_value());
}

TEST(Nkeys, SeedEncodingMatchesGoForEachRole) {
  KeyBytes raw;
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(encode_seed(PrefixByte::kServer, raw),
            "SNAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2D5U");
  EXPECT_EQ(encode_seed(PrefixByte::kUser, raw),
            "SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y");
  EXPECT_EQ(encode_seed(PrefixByte::kAccount, raw),
            "SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMHI");
  auto kp = keypair_from_seed("SNAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2D5U");
  ASSERT_TRUE(kp.has_value());
  EXPECT_EQ(kp->public_key, "NAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RSWB");
  EXPECT_EQ(encode_seed(PrefixByte::kSeed, raw), "");
}

TEST(Nkeys, SignatureMatchesGoAndVerifies) {
  auto sig = sign(kDocSeed, "nonce-XYZ");
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(std::vector<uint8_t>(sig->begin(), sig->end()), from_hex(kDocSigHex));
  EXPECT_TRUE(verify(kDocUser, "nonce-XYZ", *sig));
  EXPECT_FALSE(verify(kDocUser, "nonce-XYz", *sig));
  auto tampered = *sig;
  tampered[10] ^= 1;
  EXPECT_FALSE(verify(kDocUser, "nonce-XYZ", tampered));
  EXPECT_FALSE(verify(kDocUser, "nonce-XYZ", std::span(sig->data(), 63)));
  EXPECT_FALSE(verify("not a key", "nonce-XYZ", *sig));
  EXPECT_FALSE(sign("SUBOGUS", "x").has_value());
}

TEST(Nkeys, ServerKeypairIsFreshAndUsable) {
  KeyPair a = create_server_keypair();
  KeyPair b = create_server_keypair();
  EXPECT_NE(a.public_key, b.public_key);
  ASSERT_EQ(a.public_key.size(), kEncodedPublicKeyLen);
  ASSERT_EQ(a.seed.size(), kEncodedSeedLen);
  EXPECT_EQ(a.public_key[0], 'N');
  EXPECT_EQ(a.seed.substr(0, 2), "SN");
  EXPECT_EQ(a.prefix, PrefixByte::kServer);

  auto again = keypair_from_seed(a.seed);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->public_key, a.public_key);

  std::vector<uint8_t> data = bytes("server signed payload");
  auto sig = sign(a.seed, data);
  ASSERT_TRUE(sig.has_value());
  EXPECT_TRUE(verify(a.public_key, data, *sig));
  EXPECT_FALSE(verify(b.public_key, data, *sig));
}

TEST(Nkeys, RoleLettersMatchPrefixes) {
  KeyBytes zero{};
  const std::pair<PrefixByte, char> roles[] = {
      {PrefixByte::kAccount, 'A'},  {PrefixByte::kCluster, 'C'}, {PrefixByte::kServer, 'N'},
      {PrefixByte::kOperator, 'O'}, {PrefixByte::kUser, 'U'},    {PrefixByte::kCurve, 'X'},
  };
  for (auto [prefix, letter] : roles) {
    std::string pub = encode_public_key(prefix, zero);
    ASSERT_EQ(pub.size(), kEncodedPublicKeyLen);
    EXPECT_EQ(pub[0], letter);
    auto back = decode_public_key(pub);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->prefix, prefix);
    std::string seed = encode_seed(prefix, zero);
    EXPECT_EQ(seed.substr(0, 2), std::string("S") + letter);
    EXPECT_EQ(decode_seed(seed)->prefix, prefix);
  }
  // Curve keys are X25519, so they cannot sign or be used for Ed25519 verification.
  std::string curve_seed = encode_seed(PrefixByte::kCurve, zero);
  EXPECT_FALSE(sign(curve_seed, "x").has_value());
  EXPECT_FALSE(keypair_from_seed(curve_seed).has_value());
}

bool is_base62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

TEST(Nuid, IdsAre22Base62CharactersAndUnique) {
  Nuid nuid;
  std::set<std::string> seen;
  constexpr int kCount = 100000;
  for (int i = 0; i < kCount; ++i) {
    std::string id = nuid.next();
    ASSERT_EQ(id.size(), Nuid::kLength);
    ASSERT_TRUE(std::all_of(id.begin(), id.end(), is_base62)) << id;
    seen.insert(std::move(id));
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCount));
}

TEST(Nuid, SharesPrefixWithinInstanceAndDiffersAcrossInstances) {
  Nuid a;
  Nuid b;
  std::string a1 = a.next();
  std::string a2 = a.next();
  EXPECT_EQ(a1.substr(0, Nuid::kPrefixLen), a2.substr(0, Nuid::kPrefixLen));
  EXPECT_NE(a1, a2);
  EXPECT_NE(a1.substr(0, Nuid::kPrefixLen), b.next().substr(0, Nuid::kPrefixLen));
  a.randomize_prefix();
  EXPECT_NE(a.next().substr(0, Nuid::kPrefixLen), a1.substr(0, Nuid::kPrefixLen));
}

TEST(Nuid, ThreadLocalGeneratorsDoNotCollide) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[t].push_back(next_nuid());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(Nonce, Is15UrlSafeBase64Characters) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string n = random_nonce();
    ASSERT_EQ(n.size(), 15u);
    ASSERT_TRUE(std::all_of(n.begin(), n.end(), [](char c) {
      return is_base62(c) || c == '-' || c == '_';
    })) << n;
    seen.insert(n);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace nats::crypto
