// A .creds file (user JWT + nkey seed) end to end: operator, account and user JWTs are made
// here, nats-server runs in operator mode with a memory resolver, and the client signs the
// nonce with the seed from the creds file. natsd has no operator mode yet, so this runs
// against the reference server only (CTest `client_creds_ref`).

#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/nkeys.h"
#include "crypto/nuid.h"
#include "test_env.h"

namespace nats::client::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string base64url(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// A JWT as the nats jwt library writes it: ed25519-nkey, signed by the issuer's seed.
std::string make_jwt(const crypto::KeyPair& issuer, const std::string& subject, json nats) {
  const json claims = {{"jti", crypto::next_nuid()},   {"iat", 1700000000},
                       {"iss", issuer.public_key},     {"sub", subject},
                       {"name", subject.substr(0, 8)}, {"nats", std::move(nats)}};
  const std::string signing_input =
      base64url(R"({"typ":"JWT","alg":"ed25519-nkey"})") + "." + base64url(claims.dump());
  const auto sig = crypto::sign(issuer.seed, signing_input);
  return signing_input + "." +
         base64url(std::string_view(reinterpret_cast<const char*>(sig->data()), sig->size()));
}

std::string creds_file_text(const std::string& jwt, const std::string& seed) {
  return "-----BEGIN NATS USER JWT-----\n" + jwt + "\n------END NATS USER JWT------\n\n" +
         "************************* IMPORTANT *************************\n\n" +
         "-----BEGIN USER NKEY SEED-----\n" + seed + "\n------END USER NKEY SEED------\n";
}

// nats-server in operator mode on a free port, killed by the destructor.
class OperatorModeServer {
 public:
  explicit OperatorModeServer(const std::filesystem::path& dir, const std::string& config) {
    const std::string conf = (dir / "operator.conf").string();
    std::ofstream(conf) << config;
    const char* bin = std::getenv("NATS_SERVER_REF");
    const std::string server = bin != nullptr ? bin : "/usr/sbin/nats-server";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      ::execl(server.c_str(), server.c_str(), "-a", "127.0.0.1", "-p", "-1", "--ports_file_dir",
              dir.c_str(), "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const std::filesystem::path ports = dir / (std::filesystem::path(server).filename().string() +
                                               "_" + std::to_string(pid_) + ".ports");
    wait_for([&] {
      std::ifstream in(ports);
      const json j = json::parse(in, nullptr, false);
      if (j.is_discarded() || !j.contains("nats")) return false;
      url_ = j["nats"][0].get<std::string>();
      return true;
    });
  }
  ~OperatorModeServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& url() const { return url_; }

 private:
  pid_t pid_ = -1;
  std::string url_;
};

TEST(ClientCreds, JwtCredsFileAgainstOperatorModeServer) {
  const auto op = crypto::create_keypair(crypto::PrefixByte::kOperator);
  const auto acc = crypto::create_keypair(crypto::PrefixByte::kAccount);
  const auto user = crypto::create_keypair(crypto::PrefixByte::kUser);
  const json unlimited = {{"subs", -1},    {"data", -1},        {"payload", -1}, {"imports", -1},
                          {"exports", -1}, {"wildcards", true}, {"conn", -1},    {"leaf", -1}};
  const std::string op_jwt = make_jwt(op, op.public_key, {{"type", "operator"}, {"version", 2}});
  const std::string acc_jwt =
      make_jwt(op, acc.public_key, {{"type", "account"}, {"version", 2}, {"limits", unlimited}});
  const std::string user_jwt =
      make_jwt(acc, user.public_key,
               {{"type", "user"}, {"version", 2}, {"subs", -1}, {"data", -1}, {"payload", -1}});

  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("creds-" + crypto::next_nuid());
  std::filesystem::create_directories(dir);
  OperatorModeServer server(dir, "operator: " + op_jwt + "\nresolver: MEMORY\n" +
                                     "resolver_preload: {\n  " + acc.public_key + ": " + acc_jwt +
                                     "\n}\n");
  ASSERT_FALSE(server.url().empty()) << "nats-server did not start in operator mode";

  const std::string creds = (dir / "user.creds").string();
  std::ofstream(creds) << creds_file_text(user_jwt, user.seed);
  Options o = test_options();
  o.servers = {server.url()};
  o.creds_file = creds;
  auto nc = connect_or_fail(o);
  ASSERT_TRUE(nc);
  EXPECT_FALSE(nc->server_info().nonce.empty());
  auto sub = nc->subscribe_sync("creds.test");
  ASSERT_TRUE(sub);
  ASSERT_TRUE(nc->publish("creds.test", "signed in"));
  auto m = sub->next_msg(2s);
  ASSERT_TRUE(m) << m.status().to_string();
  EXPECT_EQ(m->data(), "signed in");

  // The same JWT with somebody else's seed cannot sign the nonce.
  const std::string stolen = (dir / "stolen.creds").string();
  std::ofstream(stolen) << creds_file_text(user_jwt,
                                           crypto::create_keypair(crypto::PrefixByte::kUser).seed);
  Options bad = o;
  bad.creds_file = stolen;
  EXPECT_EQ(Connection::connect(bad).code(), Errc::kAuthorization);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nats::client::testing
