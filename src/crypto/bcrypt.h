#pragma once
// bcrypt password hashes ("$2a$", "$2b$", "$2x$", "$2y$"), checked with libxcrypt's crypt_r.
//
// A check costs what the hash's cost factor says: about 50-250 ms at the usual costs of 10-12.
// That is far too long for an event loop, so the server runs bcrypt_verify on its worker pool
// (see server/authenticator.h). Every function is safe to call from any thread.

#include <string>
#include <string_view>

namespace nats::crypto {

// Does `secret` look like a bcrypt hash, the way nats-server decides (`$2[abxy]$NN$...`)? A
// configured password or token that does is compared with bcrypt, anything else as plain text.
bool is_bcrypt(std::string_view secret);

// True when `password` hashes to `hash`. False for a malformed hash, and for a password with a
// NUL byte (crypt_r would stop reading there, so "secret\0junk" would pass for "secret").
// Blocking: runs the whole key schedule.
bool bcrypt_verify(std::string_view hash, std::string_view password);

// A fresh "$2b$" hash of `password` with a random salt, for tests and tools. `cost` is the
// log2 of the rounds (4..31). Empty on failure.
std::string bcrypt_hash(std::string_view password, int cost);

}  // namespace nats::crypto
