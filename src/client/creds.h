#pragma once
// .creds files, as `nsc` writes them: a user JWT and the user's nkey seed, each between dashed
// armour lines, with free text around them:
//
//   -----BEGIN NATS USER JWT-----
//   eyJ0eXAiOi...
//   ------END NATS USER JWT------
//   ************************* IMPORTANT *************************
//   ...
//   -----BEGIN USER NKEY SEED-----
//   SUAM...
//   ------END USER NKEY SEED------
//
// The first armoured block is the JWT, the second the seed, as the official clients read them.
// Pure functions (plus one file read); any thread.

#include <string>
#include <string_view>

#include "nats/status.h"

namespace nats::client::detail {

struct Creds {
  std::string jwt;
  std::string seed;  // a secret: never log it
};

Result<Creds> parse_creds(std::string_view text);
Result<Creds> read_creds_file(const std::string& path);

}  // namespace nats::client::detail
