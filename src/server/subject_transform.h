#pragma once
// Subject transforms: rewriting a published subject into another, as nats-server 2.10's subject
// mappings, stream import `to`/`prefix` remapping and service import `to` remapping do.
//
// A transform has a source pattern (wildcards allowed; empty means ">") and a destination
// whose tokens are literals or placeholders:
//   $1, {{wildcard(1)}}             the source token matched by the first '*'
//   {{partition(n,1,2)}}            FNV-1a of the named wildcard tokens (concatenated) mod n;
//                                   {{partition(n)}} hashes the whole subject
//   {{split(1,-)}}                  the token split on a delimiter (empty pieces dropped)
//   {{splitFromLeft(1,n)}}, {{splitFromRight(1,n)}}   the token cut in two at n
//   {{sliceFromLeft(1,n)}}, {{sliceFromRight(1,n)}}   the token cut in n-byte pieces
//   {{left(1,n)}}, {{right(1,n)}}   the first or last n bytes of the token
//   {{random(n)}}                   a random number below n
// A trailing ">" in the destination stands for the tokens the source's ">" matched.
//
// Errors use nats-server's texts ("invalid mapping destination: ... in <token>").
//
// Immutable after create(): any thread may use one concurrently (random() keeps its own
// thread-local state).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nats {

class SubjectTransform {
 public:
  // Builds the transform, or returns nullopt with nats-server's error text in `error`.
  // `strict` is for imports, which must be reversible: only wildcard placeholders, and every
  // source wildcard used.
  static std::optional<SubjectTransform> create(std::string_view src, std::string_view dest,
                                                bool strict, std::string* error);

  // nats-server's ValidateMapping: the checks a configured mapping destination must pass
  // (tokens, known functions, then create()). Empty when fine, else the error text.
  static std::string validate_mapping(std::string_view src, std::string_view dest);

  const std::string& source() const { return src_; }
  const std::string& destination() const { return dest_; }

  // Transforms a literal subject matched by source(). Unchecked: the caller has matched it.
  std::string transform(std::string_view subject) const;
  // Transforms `subject` if it is a valid literal subject matched by source(); nullopt if not.
  std::optional<std::string> match(std::string_view subject) const;
  // The transform that undoes this one (for imports: the exporter's subject from the
  // importer's). nullopt when it cannot be built.
  std::optional<SubjectTransform> reverse() const;

  enum class Function : uint8_t {
    kNone,  // a literal destination token
    kWildcard,
    kPartition,
    kSplitFromLeft,
    kSplitFromRight,
    kSliceFromLeft,
    kSliceFromRight,
    kSplit,
    kLeft,
    kRight,
    kRandom,
  };

 private:
  struct DestToken {
    std::string literal;  // kNone: the token itself
    Function function = Function::kNone;
    std::vector<int> sources;  // source token positions (0-based) the function reads
    int32_t int_arg = -1;      // partitions, positions, sizes
    std::string string_arg;    // split delimiter
  };

  void append_token(const DestToken& t, const std::vector<std::string_view>& tokens,
                    std::string& out) const;

  std::string src_, dest_;
  std::vector<std::string> src_tokens_;
  std::vector<DestToken> dest_tokens_;
  bool dest_ends_with_fwc_ = false;
};

// Helpers nats-server uses around import transforms.
// "foo.*.*" -> "foo.$1.$2".
std::string transform_tokenize(std::string_view subject);
// "foo.$2.{{wildcard(1)}}" -> "foo.*.*" (and the placeholders in order, if wanted).
std::string transform_untokenize(std::string_view subject,
                                 std::vector<std::string>* placeholders = nullptr);

// Go's strconv.Atoi (a sign and decimal digits, nothing else), as nats-server parses mapping
// function arguments and weights.
std::optional<int64_t> go_atoi(std::string_view s);

// FNV-1a, 32 bits: the hash {{partition()}} uses.
uint32_t fnv1a32(std::string_view data);

}  // namespace nats
