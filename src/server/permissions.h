#pragma once
// Authorization at run time: a user's Permissions (server/auth.h) compiled once, and the small
// per-connection state that checking them needs.
//
// CompiledPermissions is built by the Authenticator at start-up, one per user that has
// permissions, and never changes: any thread may read it. ClientPermissions belongs to one
// connection and is used only on that connection's loop.
//
// Matching follows nats-server, whose allow/deny lists are sublists matched against the
// subject a client names: a wildcard token in the client's subject is an ordinary token there,
// which only a wildcard in the list can match. So `allow = ["foo.*"]` permits SUB foo.bar and
// SUB foo.* (and, as in nats-server, SUB foo.>), but `allow = ["foo.bar"]` does not permit
// SUB foo.*. Deny clauses narrower than an allowed wildcard subscription are enforced when
// messages are delivered (Subscription::delivery_denied).
//
// Lists are scanned linearly: permission lists are short, publish verdicts are cached per
// connection, and SUB is not on the message path.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_map.h"
#include "server/auth.h"
#include "server/subject.h"  // subjects_collide

namespace nats {

// nats-server's splitSubjectQueue: "subject" or "subject queue" (blank separated, both valid
// subjects). False for anything else.
bool split_subject_queue(std::string_view entry, std::string& subject, std::string& queue);

class CompiledPermissions {
 public:
  // Entries that are not valid subjects are skipped; each is described in `errors` if given
  // (validate_auth_options() reports them before start-up). Response permissions get their
  // defaults, and turn an absent publish allow list into an empty one, as in nats-server.
  explicit CompiledPermissions(const Permissions& p, std::vector<std::string>* errors = nullptr);

  // Whether publishing needs a check at all; false leaves the message path untouched.
  bool restricts_publish() const { return pub_allow_set_ || !pub_deny_.empty(); }
  // The allow and deny lists for a published subject; response permissions not considered.
  bool publish_allowed(std::string_view subject) const;
  // nats-server's canSubscribe: allow list (an entry with a queue permits only that queue
  // group, an entry without one permits plain subscriptions and any group), then deny list
  // (an entry with a queue refuses only that group).
  bool can_subscribe(std::string_view subject, std::string_view queue) const;
  // The deny clauses to check at delivery for a subscription that can_subscribe() allowed:
  // those whose subject overlaps the subscription's (and, for entries with a queue, whose
  // queue matches the subscription's group). Null when there are none, which is the rule.
  std::unique_ptr<const std::vector<std::string>> delivery_deny_filter(
      std::string_view subject, std::string_view queue) const;
  // Response permission with its defaults applied (max_msgs >= 1 or < 0, expires > 0 or < 0).
  const std::optional<ResponsePermission>& response() const { return response_; }
  // The permissions as configured (for $SYS.REQ.USER.INFO).
  const Permissions& source() const { return source_; }

 private:
  struct Entry {
    std::string subject;
    std::string queue;  // empty: not queue-qualified
  };
  // nats-server's Match over a list: does any plain entry match, and which queue entries do.
  static bool any_plain_match(const std::vector<Entry>& list, std::string_view subject);
  static bool queue_entry_matches(const std::vector<Entry>& list, std::string_view subject,
                                  std::string_view queue, bool& any_queue_entry);

  bool pub_allow_set_ = false;  // an allow list exists (possibly empty: nothing allowed)
  std::vector<std::string> pub_allow_, pub_deny_;
  bool sub_allow_set_ = false;
  std::vector<Entry> sub_allow_, sub_deny_;
  std::optional<ResponsePermission> response_;
  Permissions source_;
};

// One connection's view of its permissions. Owner loop only.
class ClientPermissions {
 public:
  // `rules` must outlive this object (the Authenticator owns it for the server's lifetime).
  explicit ClientPermissions(const CompiledPermissions& rules) : rules_(rules) {}

  const CompiledPermissions& rules() const { return rules_; }
  bool restricts_publish() const { return rules_.restricts_publish(); }
  bool tracks_responses() const { return rules_.response().has_value(); }

  // May the client publish to `subject` now? publish_allowed(), else response_allowed().
  bool may_publish(std::string_view subject, int64_t now_ns) {
    return publish_allowed(subject) || (tracks_responses() && response_allowed(subject, now_ns));
  }
  // The allow and deny lists, with verdicts cached (bounded). With responses tracked,
  // refusals are not cached: reply subjects are unique per request and would only churn the
  // cache (nats-server skips the cache there too).
  bool publish_allowed(std::string_view subject);
  // Is `subject` the reply subject of a request delivered to this client, with responses
  // left and not expired? Uses up one response.
  bool response_allowed(std::string_view subject, int64_t now_ns);
  // A message with reply subject `reply` was delivered to this client at `at_ns`: allow
  // responses to it (unless publishing there is allowed anyway). Prunes used and expired
  // replies now and then.
  void add_reply(std::string_view reply, int64_t at_ns);
  // Drops replies that are used up or expired.
  void prune_replies(int64_t now_ns);

  size_t cached_verdicts() const { return pub_cache_.size(); }
  size_t tracked_replies() const { return replies_.size(); }

 private:
  const CompiledPermissions& rules_;
  StringMap<bool> pub_cache_;
  struct Reply {
    int64_t at_ns;
    int responses;
  };
  StringMap<Reply> replies_;
  uint32_t replies_since_prune_ = 0;
  int64_t last_prune_ns_ = 0;
};

}  // namespace nats
