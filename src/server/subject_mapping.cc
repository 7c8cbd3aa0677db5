#include "server/subject_mapping.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "server/subject.h"

namespace nats {

namespace {
uint32_t next_random() {
  // xorshift32, seeded per thread: weights need spread, not secrecy.
  thread_local uint32_t state = [] {
    uint32_t seed = uint32_t(reinterpret_cast<uintptr_t>(&state)) * 2654435761u;
    return seed == 0 ? 1u : seed;
  }();
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}
}  // namespace

std::optional<Mapping> Mapping::create(const SubjectMapping& m, std::string* error) {
  std::string scratch;
  if (error == nullptr) error = &scratch;
  if (!is_valid_subject(m.source)) {
    *error = "invalid subject";
    return std::nullopt;
  }
  Mapping out;
  out.source_ = m.source;
  out.wildcard_ = subject_has_wildcard(m.source);
  std::set<std::string> seen;
  std::map<std::string, int> total_by_cluster;
  std::vector<std::pair<SubjectTransform, int>> dests;
  for (const MappingDestination& d : m.destinations) {
    if (!seen.insert(d.subject).second) {
      *error = fmt::format("duplicate entry for \"{}\"", d.subject);
      return std::nullopt;
    }
    if (d.weight > 100) {
      *error = "individual weights need to be <= 100";
      return std::nullopt;
    }
    if ((total_by_cluster[d.cluster] += d.weight) > 100) {
      *error = "total weight needs to be <= 100";
      return std::nullopt;
    }
    if (std::string e = SubjectTransform::validate_mapping(m.source, d.subject); !e.empty()) {
      *error = e;
      return std::nullopt;
    }
    auto tr = SubjectTransform::create(m.source, d.subject, false, error);
    if (!tr) return std::nullopt;
    if (d.cluster.empty()) dests.emplace_back(std::move(*tr), d.weight);
  }
  // Weights short of 100 keep the original subject for the rest, unless the source is listed
  // itself (then the rest is dropped).
  int total = 0;
  for (const auto& d : dests) total += d.second;
  if (total != 100 && !seen.contains(m.source)) {
    const std::string dest = out.wildcard_ ? transform_tokenize(m.source) : m.source;
    auto tr = SubjectTransform::create(m.source, dest, false, error);
    if (!tr) return std::nullopt;
    dests.emplace_back(std::move(*tr), dests.empty() ? 100 : 100 - total);
  }
  std::stable_sort(dests.begin(), dests.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  int cumulative = 0;
  for (auto& d : dests) {
    cumulative += d.second;
    out.destinations_.push_back({std::move(d.first), cumulative});
  }
  return out;
}

bool Mapping::covers(std::string_view subject) const {
  if (!wildcard_) return subject == source_;
  return subject_matches(source_, subject);
}

void Mapping::select(std::string_view subject, std::string& out) const {
  const Destination* chosen = nullptr;
  if (destinations_.size() == 1 && destinations_[0].cumulative_weight == 100) {
    chosen = &destinations_[0];
  } else {
    const int w = int(next_random() % 100);
    for (const Destination& d : destinations_) {
      if (w < d.cumulative_weight) {
        chosen = &d;
        break;
      }
    }
  }
  if (chosen == nullptr) {
    out.clear();
    return;
  }
  out = chosen->transform.transform(subject);
}

}  // namespace nats
