#pragma once
// A configured subject mapping (`mappings {}` at top level for "$G", or in an account), ready
// to apply to published subjects: its destinations as transforms with cumulative weights.
// nats-server's AddWeightedMappings and selectMappedSubject.
//
// Immutable after create(): any thread. select() draws its random weight from thread-local
// state.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/account_options.h"
#include "server/subject_transform.h"

namespace nats {

class Mapping {
 public:
  // Checks and compiles `m`; nullopt with nats-server's error text (without the "Error adding
  // mapping for ..." context) when it is not acceptable. Cluster-scoped destinations are
  // checked and then ignored: natsd has no cluster.
  static std::optional<Mapping> create(const SubjectMapping& m, std::string* error);

  const std::string& source() const { return source_; }
  // Does the mapping apply to the literal published `subject`?
  bool covers(std::string_view subject) const;
  // Picks a destination by weight and transforms `subject` (which covers() accepted) into
  // `out`; empty when the weights say the message is dropped.
  void select(std::string_view subject, std::string& out) const;

  struct Destination {
    SubjectTransform transform;
    int cumulative_weight;  // 1..100, ascending
  };
  const std::vector<Destination>& destinations() const { return destinations_; }

 private:
  std::string source_;
  bool wildcard_ = false;
  std::vector<Destination> destinations_;
};

}  // namespace nats
