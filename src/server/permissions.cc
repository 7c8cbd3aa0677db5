#include "server/permissions.h"

#include <fmt/format.h>

#include "base/go_quote.h"
#include "server/subject.h"

namespace nats {
namespace {

constexpr size_t kMaxPublishVerdicts = 256;  // cached publish verdicts per connection
constexpr size_t kPublishVerdictsPruned = kMaxPublishVerdicts / 4;
// Replies are pruned after this many additions or this long since the last prune, as in
// nats-server (replyPermLimit, replyPruneTime).
constexpr uint32_t kReplyPruneCount = 4096;
constexpr int64_t kReplyPruneIntervalNs = 1'000'000'000;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// nats-server's queueMatches for one queue-qualified entry: the same name, or a wildcard name
// covering the subscription's group.
bool queue_name_matches(std::string_view queue, std::string_view entry_queue) {
  return queue == entry_queue ||
         (subject_has_wildcard(entry_queue) && subject_is_subset_match(queue, entry_queue));
}

}  // namespace

bool split_subject_queue(std::string_view entry, std::string& subject, std::string& queue) {
  std::string_view fields[2];
  size_t n = 0;
  size_t i = 0;
  while (i < entry.size()) {
    while (i < entry.size() && is_blank(entry[i])) ++i;
    if (i == entry.size()) break;
    const size_t start = i;
    while (i < entry.size() && !is_blank(entry[i])) ++i;
    if (n == 2) return false;
    fields[n++] = entry.substr(start, i - start);
  }
  if (n == 0 || !is_valid_subject(fields[0]) || (n == 2 && !is_valid_subject(fields[1])))
    return false;
  subject.assign(fields[0]);
  queue.assign(n == 2 ? fields[1] : std::string_view());
  return true;
}

CompiledPermissions::CompiledPermissions(const Permissions& p, std::vector<std::string>* errors)
    : source_(p) {
  auto report = [errors](std::string e) {
    if (errors != nullptr) errors->push_back(std::move(e));
  };
  if (p.publish) {
    pub_allow_set_ = !p.publish->allow.empty();
    for (const std::string& s : p.publish->allow) {
      if (is_valid_subject(s)) {
        pub_allow_.push_back(s);
      } else {
        report(fmt::format("invalid publish subject {}", go_quote(s)));
      }
    }
    for (const std::string& s : p.publish->deny) {
      std::string subject, queue;
      if (is_valid_subject(s)) {
        pub_deny_.push_back(s);
      } else if (split_subject_queue(s, subject, queue)) {
        // A queue means nothing to publishing; keep the deny's subject rather than lose it.
        report(
            fmt::format("queue qualifier is not valid for publish deny subject {}", go_quote(s)));
        pub_deny_.push_back(std::move(subject));
      } else {
        report(fmt::format("invalid publish deny subject {}", go_quote(s)));
      }
    }
  }
  if (p.response) {
    ResponsePermission rp = *p.response;
    if (rp.max_msgs == 0) rp.max_msgs = kDefaultAllowResponseMaxMsgs;
    if (rp.expires.count() == 0) rp.expires = kDefaultAllowResponseExpires;
    response_ = rp;
    // The reply subjects are then all the client may publish to, unless an allow list says more.
    pub_allow_set_ = true;
  }
  if (p.subscribe) {
    sub_allow_set_ = !p.subscribe->allow.empty();
    for (const auto* list : {&p.subscribe->allow, &p.subscribe->deny}) {
      auto& out = list == &p.subscribe->allow ? sub_allow_ : sub_deny_;
      for (const std::string& s : *list) {
        Entry e;
        if (!split_subject_queue(s, e.subject, e.queue)) {
          report(fmt::format("invalid subject-queue {}", go_quote(s)));
          continue;
        }
        out.push_back(std::move(e));
      }
    }
  }
}

bool CompiledPermissions::publish_allowed(std::string_view subject) const {
  if (pub_allow_set_) {
    bool allowed = false;
    for (const std::string& p : pub_allow_) {
      if (subject_matches(p, subject)) {
        allowed = true;
        break;
      }
    }
    if (!allowed) return false;
  }
  for (const std::string& p : pub_deny_) {
    if (subject_matches(p, subject)) return false;
  }
  return true;
}

bool CompiledPermissions::any_plain_match(const std::vector<Entry>& list,
                                          std::string_view subject) {
  for (const Entry& e : list) {
    if (e.queue.empty() && subject_matches(e.subject, subject)) return true;
  }
  return false;
}

bool CompiledPermissions::queue_entry_matches(const std::vector<Entry>& list,
                                              std::string_view subject, std::string_view queue,
                                              bool& any_queue_entry) {
  bool matched = false;
  for (const Entry& e : list) {
    if (e.queue.empty() || !subject_matches(e.subject, subject)) continue;
    any_queue_entry = true;
    if (queue_name_matches(queue, e.queue)) matched = true;
  }
  return matched;
}

bool CompiledPermissions::can_subscribe(std::string_view subject, std::string_view queue) const {
  bool allowed = true;
  if (sub_allow_set_) {
    allowed = any_plain_match(sub_allow_, subject);
    if (!queue.empty()) {
      // Queue entries for this subject decide for a queue subscription, when there are any.
      bool any_queue_entry = false;
      const bool matched = queue_entry_matches(sub_allow_, subject, queue, any_queue_entry);
      if (any_queue_entry) allowed = matched;
    }
  }
  if (allowed && !sub_deny_.empty()) {
    allowed = !any_plain_match(sub_deny_, subject);
    if (allowed && !queue.empty()) {
      bool any_queue_entry = false;
      const bool matched = queue_entry_matches(sub_deny_, subject, queue, any_queue_entry);
      if (any_queue_entry) allowed = !matched;
    }
  }
  return allowed;
}

std::unique_ptr<const std::vector<std::string>> CompiledPermissions::delivery_deny_filter(
    std::string_view subject, std::string_view queue) const {
  std::vector<std::string> out;
  for (const Entry& e : sub_deny_) {
    if (!e.queue.empty() && (queue.empty() || !queue_name_matches(queue, e.queue))) continue;
    if (subjects_collide(e.subject, subject)) out.push_back(e.subject);
  }
  if (out.empty()) return nullptr;
  return std::make_unique<const std::vector<std::string>>(std::move(out));
}

bool ClientPermissions::publish_allowed(std::string_view subject) {
  if (!rules_.restricts_publish()) return true;
  if (auto it = pub_cache_.find(subject); it != pub_cache_.end()) return it->second;
  const bool allowed = rules_.publish_allowed(subject);
  if (allowed || !tracks_responses()) {
    if (pub_cache_.size() >= kMaxPublishVerdicts) {
      // Forget an arbitrary quarter rather than everything, so hot subjects mostly survive.
      size_t n = 0;
      for (auto it = pub_cache_.begin(); it != pub_cache_.end() && n < kPublishVerdictsPruned;
           ++n) {
        pub_cache_.erase(it++);
      }
    }
    pub_cache_.emplace(std::string(subject), allowed);
  }
  return allowed;
}

bool ClientPermissions::response_allowed(std::string_view subject, int64_t now_ns) {
  auto it = replies_.find(subject);
  if (it == replies_.end()) return false;
  const ResponsePermission& rp = *rules_.response();
  Reply& r = it->second;
  ++r.responses;
  if ((rp.max_msgs > 0 && r.responses > rp.max_msgs) ||
      (rp.expires.count() > 0 && now_ns - r.at_ns > rp.expires.count())) {
    replies_.erase(it);
    return false;
  }
  return true;
}

void ClientPermissions::add_reply(std::string_view reply, int64_t at_ns) {
  if (!tracks_responses() || reply.empty()) return;
  // Publishing there is allowed anyway: nothing to track. Not cached, for the same reason as
  // in publish_allowed().
  if (rules_.publish_allowed(reply)) return;
  replies_.insert_or_assign(std::string(reply), Reply{at_ns, 0});
  if (++replies_since_prune_ > kReplyPruneCount || at_ns - last_prune_ns_ > kReplyPruneIntervalNs)
    prune_replies(at_ns);
}

void ClientPermissions::prune_replies(int64_t now_ns) {
  replies_since_prune_ = 0;
  last_prune_ns_ = now_ns;
  if (!tracks_responses()) return;
  const ResponsePermission& rp = *rules_.response();
  for (auto it = replies_.begin(); it != replies_.end();) {
    const Reply& r = it->second;
    const bool used_up = rp.max_msgs > 0 && r.responses >= rp.max_msgs;
    const bool expired = rp.expires.count() > 0 && now_ns - r.at_ns > rp.expires.count();
    if (used_up || expired) {
      replies_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace nats
