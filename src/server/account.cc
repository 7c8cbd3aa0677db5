#include "server/account.h"

#include <random>

#include <fmt/format.h>

#include "server/options.h"
#include "server/subject.h"

namespace nats {

namespace {

constexpr std::string_view kDigits =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr size_t kReplyTokenLen = 6;  // characters of each random reply token
// nats-server's MaxAccountCycleSearchDepth.
constexpr size_t kMaxCycleSearchDepth = 1024;

// nats-server's error texts (server/errors.go).
constexpr std::string_view kErrInvalidSubject = "sublist: invalid subject";
constexpr std::string_view kErrStreamImportAuthorization = "stream import not authorized";
constexpr std::string_view kErrStreamImportBadPrefix =
    "stream import prefix can not contain wildcard tokens";
constexpr std::string_view kErrStreamImportDuplicate = "stream import already exists";
constexpr std::string_view kErrServiceImportAuthorization = "service import not authorized";
constexpr std::string_view kErrImportFormsCycle = "import forms a cycle";
constexpr std::string_view kErrCycleSearchDepth = "search cycle depth exhausted";

std::string random_token(size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out(n, '0');
  uint64_t v = rng();
  for (size_t i = 0; i < n; ++i) {
    out[i] = kDigits[v % kDigits.size()];
    v /= kDigits.size();
  }
  return out;
}

using Visited = std::vector<const Account*>;
bool visited_contains(const Visited& v, const Account* a) {
  for (const Account* x : v) {
    if (x == a) return true;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Exports and imports

bool ExportAuth::allows(std::string_view importer, std::string_view subject) const {
  if (is_public) return true;
  if (token_position > 0) {
    // Only checkable against the import's own tokens (an exact match has none, as in
    // nats-server).
    if (subject.empty()) return false;
    auto toks = subject_tokens(subject);
    return token_position <= toks.size() && toks[token_position - 1] == importer;
  }
  if (token_required) return false;  // activation tokens do not exist in configuration files
  for (const std::string& a : approved) {
    if (a == importer) return true;
  }
  return false;
}

std::string StreamImport::deliver_subject(std::string_view subject) const {
  if (transform) return transform->transform(subject);
  if (use_pub) return std::string(subject);
  return to;
}

std::optional<std::string> StreamImport::shadow_subject(std::string_view subject) const {
  if (subject == to) return from;
  if (subject_is_subset_match(subject, to)) {
    // Narrower than the import: the exporter's equivalent of exactly this subject.
    if (!use_pub && transform && reverse) return reverse->transform(subject);
    if (use_pub) return std::string(subject);
    return from;
  }
  if (!subject_has_wildcard(subject)) return std::nullopt;
  if (subject_is_subset_match(to, subject)) return from;  // broader: all of the import
  // Overlapping: narrow the subscription's wildcards with the import's tokens.
  std::vector<std::string_view> toks = subject_tokens(subject);
  const std::vector<std::string_view> im = subject_tokens(to);
  std::vector<std::string> narrowed(toks.begin(), toks.end());
  for (size_t i = 0; i < narrowed.size() && i < im.size(); ++i) {
    if (is_partial_wildcard(narrowed[i]) && !is_full_wildcard(im[i])) narrowed[i] = im[i];
  }
  if (is_full_wildcard(narrowed.back()) && im.size() >= narrowed.size()) {
    const size_t last = narrowed.size() - 1;
    narrowed[last] = im[last];
    for (size_t i = narrowed.size(); i < im.size(); ++i) narrowed.emplace_back(im[i]);
  }
  std::string joined;
  for (size_t i = 0; i < narrowed.size(); ++i) {
    if (i > 0) joined += '.';
    joined += narrowed[i];
  }
  if (!subject_is_subset_match(joined, to)) return std::nullopt;
  if (!use_pub && transform && reverse) return reverse->transform(joined);
  return joined;
}

std::string ServiceImport::request_subject(std::string_view subject) const {
  if (transform) return transform->transform(subject);
  if (use_pub) return std::string(subject);
  return to;
}

// ---------------------------------------------------------------------------------------------
// Account

Account::Account(std::string name) : name_(std::move(name)) {}

Account::~Account() = default;

bool Account::add_connection() {
  const int64_t max = limits_.max_connections;
  int64_t n = connections_.load(std::memory_order_relaxed);
  do {
    if (max >= 0 && n >= max) return false;
  } while (!connections_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
  return true;
}

bool Account::map_subject(std::string_view subject, std::string& out) const {
  for (const Mapping& m : mappings_) {
    if (m.covers(subject)) {
      m.select(subject, out);
      return true;
    }
  }
  return false;
}

std::string Account::add_service_reply(ServiceReply r) {
  std::string subject = reply_prefix_ + random_token(kReplyTokenLen);
  std::lock_guard lock(replies_mu_);
  while (replies_.contains(subject)) subject = reply_prefix_ + random_token(kReplyTokenLen);
  replies_.emplace(subject, std::move(r));
  return subject;
}

bool Account::lookup_service_reply(std::string_view subject, ServiceReply& out) {
  std::lock_guard lock(replies_mu_);
  auto it = replies_.find(subject);
  if (it == replies_.end()) return false;
  out = it->second;
  if (out.type == ServiceResponseType::kSingleton) replies_.erase(it);
  return true;
}

void Account::finish_service_reply(std::string_view subject, bool remove, int64_t now_ns) {
  std::lock_guard lock(replies_mu_);
  auto it = replies_.find(subject);
  if (it == replies_.end()) return;
  if (remove) {
    replies_.erase(it);
  } else {
    it->second.last_ns = now_ns;
  }
}

void Account::remove_service_reply(std::string_view subject) {
  std::lock_guard lock(replies_mu_);
  if (auto it = replies_.find(subject); it != replies_.end()) replies_.erase(it);
}

void Account::expire_service_replies(int64_t now_ns) {
  std::lock_guard lock(replies_mu_);
  absl::erase_if(replies_, [now_ns](const auto& e) {
    return now_ns - e.second.last_ns >= e.second.threshold_ns;
  });
}

std::vector<std::pair<std::string, ServiceReply>> Account::service_replies() const {
  std::lock_guard lock(replies_mu_);
  return {replies_.begin(), replies_.end()};
}

size_t Account::num_service_replies() const {
  std::lock_guard lock(replies_mu_);
  return replies_.size();
}

// ---------------------------------------------------------------------------------------------
// Registry

AccountRegistry::AccountRegistry() {
  auto g = std::make_unique<Account>(kGlobalAccountName);
  global_ = g.get();
  order_.push_back(global_);
  accounts_.emplace(kGlobalAccountName, std::move(g));
}

AccountRegistry::~AccountRegistry() = default;

Account* AccountRegistry::find(std::string_view name) {
  auto it = accounts_.find(name);
  return it == accounts_.end() ? nullptr : it->second.get();
}

namespace {

// nats-server's checkStreamExportApproved / checkServiceExportApproved: an export with exactly
// the subject, else the first whose subject covers it.
template <typename Export>
const Export* find_export(const std::vector<Export>& exports, std::string_view subject,
                          bool* exact) {
  for (const Export& e : exports) {
    if (e.subject == subject) {
      *exact = true;
      return &e;
    }
  }
  *exact = false;
  for (const Export& e : exports) {
    if (subject_is_subset_match(subject, e.subject)) return &e;
  }
  return nullptr;
}

template <typename Export>
bool export_approved(const std::vector<Export>& exports, const Account& importer,
                     std::string_view subject) {
  if (exports.empty() || !is_valid_subject(subject)) return false;
  bool exact = false;
  const Export* e = find_export(exports, subject, &exact);
  return e != nullptr && e->auth.allows(importer.name(), exact ? std::string_view() : subject);
}

// nats-server's checkStreamImportsForCycles, run on the exporting account.
std::string_view stream_import_cycle(const Account& acc, std::string_view to, Visited& visited) {
  if (visited.size() >= kMaxCycleSearchDepth) return kErrCycleSearchDepth;
  bool exported = false;
  for (const StreamExport& e : acc.stream_exports()) {
    exported = exported || subject_is_subset_match(to, e.subject);
  }
  if (!exported) return {};
  for (const auto& si : acc.stream_imports()) {
    if (!subjects_collide(to, si->to)) continue;
    if (visited_contains(visited, si->exporter)) return kErrImportFormsCycle;
    if (!visited_contains(visited, &acc)) visited.push_back(&acc);
    std::string_view next = subject_is_subset_match(si->to, to) ? std::string_view(si->to) : to;
    if (auto e = stream_import_cycle(*si->exporter, next, visited); !e.empty()) return e;
  }
  return {};
}

// nats-server's checkServiceImportsForCycles, run on the exporting account.
std::string_view service_import_cycle(const Account& acc, std::string_view from, Visited& visited) {
  if (visited.size() >= kMaxCycleSearchDepth) return kErrCycleSearchDepth;
  for (const auto& si : acc.service_imports()) {
    if (!subjects_collide(from, si->to)) continue;
    if (visited_contains(visited, si->exporter)) return kErrImportFormsCycle;
    if (!visited_contains(visited, &acc)) visited.push_back(&acc);
    std::string_view next =
        subject_is_subset_match(si->from, from) ? std::string_view(si->from) : from;
    if (auto e = service_import_cycle(*si->exporter, next, visited); !e.empty()) return e;
  }
  return {};
}

ExportAuth make_auth(const ExportOptions& e, const std::vector<Account*>& accounts,
                     std::string& error) {
  ExportAuth auth;
  if (e.account_token_position > 0) {
    auto toks = subject_tokens(e.subject);
    if (toks.size() < e.account_token_position ||
        !is_partial_wildcard(toks[e.account_token_position - 1])) {
      error = std::string(kErrInvalidSubject);
      return auth;
    }
    auth.is_public = false;
    auth.token_position = e.account_token_position;
  }
  if (e.accounts) {
    auth.is_public = false;
    if (e.accounts->empty()) {
      auth.token_required = true;
    } else {
      for (Account* a : accounts) auth.approved.push_back(a->name());
    }
  }
  return auth;
}

}  // namespace

std::string AccountRegistry::add_stream_import(Account& importer, const ImportOptions& im) {
  Account* exporter = find(im.account);
  if (!export_approved(exporter->stream_exports_, importer, im.subject))
    return std::string(kErrStreamImportAuthorization);
  const std::string& from = im.subject;
  std::string to = im.to;
  if (!im.prefix.empty()) {
    if (subject_has_wildcard(im.prefix)) return std::string(kErrStreamImportBadPrefix);
    to = im.prefix;
    if (to.back() != '.') to += '.';
    to += from;
  }
  if (to.empty()) to = from;
  for (std::string_view subject : {std::string_view(to), std::string_view(from)}) {
    Visited visited{&importer};
    if (auto e = stream_import_cycle(*exporter, subject, visited); !e.empty())
      return std::string(e);
  }
  auto si = std::make_unique<StreamImport>();
  si->exporter = exporter;
  si->from = from;
  if (subject_has_wildcard(from)) {
    if (to == from) {
      si->use_pub = true;
    } else {
      std::string error;
      si->transform = SubjectTransform::create(from, transform_tokenize(to), true, &error);
      if (!si->transform) {
        return fmt::format(
            "failed to create mapping transform for stream import subject from \"{}\" to "
            "\"{}\": {}",
            from, to, error);
      }
      to = transform_untokenize(to);
      si->reverse = si->transform->reverse();
    }
  }
  si->to = to;
  for (const auto& other : importer.stream_imports_) {
    if (other->exporter == exporter && other->from == from)
      return std::string(kErrStreamImportDuplicate);
  }
  importer.stream_imports_.push_back(std::move(si));
  return {};
}

std::string AccountRegistry::add_service_import(Account& importer, const ImportOptions& im) {
  Account* exporter = find(im.account);
  std::string from = im.to.empty() ? im.subject : im.to;  // local
  std::string to = im.subject;                            // the exporter's
  if (!is_valid_subject(from) || !is_valid_subject(to)) return std::string(kErrInvalidSubject);
  if (!export_approved(exporter->service_exports_, importer, to))
    return std::string(kErrServiceImportAuthorization);
  {
    const std::string from_t = subject_has_wildcard(to) ? transform_untokenize(from) : from;
    Visited visited{&importer};
    if (auto e = service_import_cycle(*exporter, from_t, visited); !e.empty())
      return std::string(e);
  }
  for (const auto& other : importer.service_imports_) {
    if (other->from == from && other->exporter == exporter) {
      return fmt::format(
          "duplicate service import subject \"{}\", previously used in import for account "
          "\"{}\", subject \"{}\"",
          from, exporter->name(), other->to);
    }
  }
  auto si = std::make_unique<ServiceImport>();
  si->importer = &importer;
  si->exporter = exporter;
  si->share = im.share;
  bool exact = false;
  si->exported = find_export(exporter->service_exports_, to, &exact);
  if (subject_has_wildcard(to)) {
    if (to == from) {
      si->use_pub = true;
    } else {
      to = transform_untokenize(to);
      std::string error;
      auto tr = SubjectTransform::create(to, transform_tokenize(from), true, &error);
      if (!tr) {
        return fmt::format(
            "failed to create mapping transform for service import subject from \"{}\" to "
            "\"{}\": {}",
            from, to, error);
      }
      from = transform_untokenize(from);
      si->transform = tr->reverse();
    }
  }
  si->from = from;
  si->to = to;
  si->sub = std::make_unique<Subscription>();
  si->sub->subject = si->from;
  si->sub->sid = "si";
  si->sub->service_import = si.get();
  if (importer.sublist_.insert(si->sub.get()) != SublistStatus::kOk)
    return std::string(kErrInvalidSubject);
  importer.service_imports_.push_back(std::move(si));
  return {};
}

std::vector<std::string> AccountRegistry::configure(const Options& opts) {
  std::vector<std::string> errors;
  const std::string at =
      opts.accounts_position.empty() ? std::string() : opts.accounts_position + ": ";
  auto fail = [&](std::string msg) { errors.push_back(at + msg); };

  for (const AccountOptions& ao : opts.accounts) {
    if (ao.name == kGlobalAccountName || accounts_.contains(ao.name)) continue;
    auto acc = std::make_unique<Account>(ao.name);
    acc->nkey_ = ao.nkey;
    acc->limits_ = ao.limits;
    order_.push_back(acc.get());
    accounts_.emplace(ao.name, std::move(acc));
  }
  auto add_mappings = [&](Account& acc, const std::vector<SubjectMapping>& mappings) {
    for (const SubjectMapping& m : mappings) {
      std::string error;
      auto compiled = Mapping::create(m, &error);
      if (!compiled) {
        fail(fmt::format("Error adding mapping for \"{}\" : {}", m.source, error));
        continue;
      }
      acc.mappings_.push_back(std::move(*compiled));
    }
  };
  // The system account: the one named, or "$SYS" made for the purpose (nats-server's
  // setSystemAccount). Made before imports, so that configured imports may name it.
  if (!opts.no_system_account) {
    const std::string name =
        opts.system_account.empty() ? std::string(kSystemAccountName) : opts.system_account;
    system_ = find(name);
    if (system_ == nullptr && name == kSystemAccountName) {
      auto acc = std::make_unique<Account>(name);
      system_ = acc.get();
      order_.push_back(system_);
      accounts_.emplace(name, std::move(acc));
    }
    if (system_ == nullptr) errors.push_back("error resolving system account: account missing");
  }
  add_mappings(*global_, opts.mappings);
  for (const AccountOptions& ao : opts.accounts) {
    if (Account* acc = find(ao.name)) add_mappings(*acc, ao.mappings);
  }

  // Exports first: imports are checked against them.
  for (const AccountOptions& ao : opts.accounts) {
    Account* acc = find(ao.name);
    if (acc == nullptr) continue;
    for (const ExportOptions& e : ao.exports) {
      const char* kind = e.service ? "service" : "stream";
      std::vector<Account*> approved;
      bool missing = false;
      for (const std::string& name : e.accounts.value_or(std::vector<std::string>{})) {
        Account* a = find(name);
        if (a == nullptr) {
          fail(fmt::format("\"{}\" account not defined for {} export", name, kind));
          missing = true;
          continue;
        }
        approved.push_back(a);
      }
      (void)missing;
      std::string error;
      ExportAuth auth = make_auth(e, approved, error);
      if (!error.empty()) {
        fail(fmt::format("Error adding {} export \"{}\": {}", kind, e.subject, error));
        continue;
      }
      if (!e.service) {
        acc->stream_exports_.push_back({e.subject, std::move(auth)});
        continue;
      }
      ServiceExport se;
      se.subject = e.subject;
      se.auth = std::move(auth);
      se.response_type = e.response_type;
      if (e.response_threshold.count() > 0) se.response_threshold_ns = e.response_threshold.count();
      se.latency = e.latency;
      acc->service_exports_.push_back(std::move(se));
    }
  }
  // Stream imports, then service imports, as nats-server orders them.
  for (bool services : {false, true}) {
    for (const AccountOptions& ao : opts.accounts) {
      Account* acc = find(ao.name);
      if (acc == nullptr) continue;
      for (const ImportOptions& im : ao.imports) {
        if (im.service != services) continue;
        const char* kind = services ? "service" : "stream";
        if (find(im.account) == nullptr) {
          fail(fmt::format("\"{}\" account not defined for {} import", im.account, kind));
          continue;
        }
        std::string error = services ? add_service_import(*acc, im) : add_stream_import(*acc, im);
        if (!error.empty())
          fail(fmt::format("Error adding {} import \"{}\": {}", kind, im.subject, error));
      }
    }
  }

  // Exporters of services get their reply prefix and the subscription that maps responses.
  for (Account* acc : order_) {
    if (acc->service_exports_.empty()) continue;
    acc->reply_prefix_ = std::string(kServiceReplyPrefix) + random_token(kReplyTokenLen) + ".";
    acc->reply_sub_ = std::make_unique<Subscription>();
    acc->reply_sub_->subject = acc->reply_prefix_ + ">";
    acc->reply_sub_->sid = "rsi";
    acc->reply_sub_->reply_account = acc;
    (void)acc->sublist_.insert(acc->reply_sub_.get());
  }
  return errors;
}

std::vector<std::string> validate_accounts(const Options& opts) {
  if (opts.accounts.empty() && opts.mappings.empty() && opts.system_account.empty()) return {};
  AccountRegistry scratch;
  return scratch.configure(opts);
}

}  // namespace nats
