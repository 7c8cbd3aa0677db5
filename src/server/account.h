#pragma once
// An account: an isolated subject space. Every client belongs to exactly one; until
// multi-account configuration exists, that is the global account "$G". The account owns the
// sublist its clients publish into. Shared by all loops; the Sublist does its own locking.

#include <string>

#include "server/sublist.h"

namespace nats {

inline constexpr const char* kGlobalAccountName = "$G";

class Account {
 public:
  explicit Account(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  Sublist& sublist() { return sublist_; }
  const Sublist& sublist() const { return sublist_; }

 private:
  const std::string name_;
  Sublist sublist_;
};

}  // namespace nats
