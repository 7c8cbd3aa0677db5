// natsbench: runs the same load against natsd and nats-server and prints the two side by side.
//
// It speaks the NATS client protocol over raw sockets, or over TLS on them (OpenSSL used directly:
// transport.h), and shares no code with the server. The client is built to stay cheap on a 2-core
// machine, so the server is what saturates: one thread per client role (all publishers on one
// thread, all subscribers on another), 64 KB writes, 256 KB reads, and a MSG scanner that finds
// only the control line and skips the payload by its size.
//
// Every workload and round starts a fresh server (`-a 127.0.0.1 -p -1 --ports_file_dir DIR`),
// natsd first in rounds 1, 3, ... and nats-server first in rounds 2, 4, ..., and reports the median
// over rounds. The TLS workloads start both servers with `-c tls.conf` as well, a tls {} block
// with certificates natsbench made at start.
// bench/README.md says what each workload measures.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/core.h>

#include "transport.h"

namespace {

using natsbench::TlsClient;
using natsbench::Transport;

namespace fs = std::filesystem;

constexpr int64_t kNsPerSec = 1'000'000'000;
constexpr size_t kReadBufBytes = 256 * 1024;  // one recv() on a busy subscriber
constexpr size_t kSmallBufBytes = 4 * 1024;   // handshake-only connections
constexpr size_t kPubBatchBytes = 64 * 1024;  // PUB frames written between two PINGs
constexpr uint64_t kMaxPingsOutstanding = 8;  // a publisher waits for PONGs beyond this
// How many MSG bytes subscribers may fall behind the publishers. nats-server stalls producers once
// a subscriber has max_pending/2 (32 MB) queued and cuts the subscriber off at max_pending (64 MB).
constexpr uint64_t kMaxLagBytes = 8 * 1024 * 1024;
constexpr int kStartTimeoutMs = 10'000;              // until the ports file appears
constexpr int kStopTimeoutMs = 10'000;               // SIGTERM to exit, then SIGKILL
constexpr int kIoTimeoutMs = 5'000;                  // handshakes and single replies
constexpr int64_t kDrainIdleNs = kNsPerSec;          // end of a run: nothing received for this long
constexpr int64_t kFlushTimeoutNs = 20 * kNsPerSec;  // end of a run: waiting for the last PONGs
constexpr int kRecvPollMs = 50;            // blocking reads wake this often to check for stop
constexpr int kIdleConnBatch = 250;        // connects in flight; below the listen backlog
constexpr double kNoisyOtherCores = 0.25;  // other processes' CPU use worth a warning
constexpr char kConnect[] =
    "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"natsbench\",\"lang\":\"c++\","
    "\"version\":\"0.1.0\",\"protocol\":1}\r\n";
constexpr std::string_view kPing = "PING\r\n";
constexpr std::string_view kPong = "PONG\r\n";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * kNsPerSec + ts.tv_nsec;
}

void sleep_ns(int64_t ns) {
  timespec ts{static_cast<time_t>(ns / kNsPerSec), static_cast<long>(ns % kNsPerSec)};
  nanosleep(&ts, nullptr);
}

double self_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of every thread of `pid`, from /proc/<pid>/stat (fields 14 and 15).
double process_cpu_seconds(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(f, line)) return kNaN;
  size_t rp = line.rfind(')');
  if (rp == std::string::npos) return kNaN;
  std::istringstream in(line.substr(rp + 1));
  std::string tok;
  unsigned long long ticks = 0;
  for (int field = 3; field <= 15 && in >> tok; ++field) {
    if (field >= 14) ticks += std::strtoull(tok.c_str(), nullptr, 10);
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds the whole machine spent busy (all cores), from the first line of /proc/stat.
double machine_busy_seconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  unsigned long long v[8] = {};  // user nice system idle iowait irq softirq steal
  f >> cpu;
  for (auto& x : v) f >> x;
  const unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return static_cast<double>(busy) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmRSS of `pid` in bytes, or -1.
int64_t process_rss_bytes(pid_t pid) {
  std::ifstream f(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Sockets and the protocol scanner.

int tcp_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void set_nonblocking(int fd, bool on) {
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
}

// A blocking recv() returns EAGAIN after this long, so reader threads can notice a stop request.
void set_recv_timeout(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

// Writes all of [p, p+n) on a blocking or non-blocking connection. False on error or timeout.
bool write_all(Transport& t, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = t.send(p, n);
    if (w > 0) {
      p += w;
      n -= static_cast<size_t>(w);
    } else if (w < 0 && errno == EINTR) {
      continue;
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{t.fd(), t.send_wait_events(), 0};
      if (poll(&pfd, 1, kIoTimeoutMs) <= 0) return false;
    } else {
      return false;
    }
  }
  return true;
}
bool write_all(Transport& t, std::string_view s) { return write_all(t, s.data(), s.size()); }

// One client connection and what its inbound stream told us. Owned by one thread at a time.
class Conn {
 public:
  explicit Conn(int fd, size_t buf_bytes = kReadBufBytes) : transport_(fd), buf_(buf_bytes) {}
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  int fd() const { return transport_.fd(); }
  Transport& transport() { return transport_; }
  bool write_all(std::string_view s) { return ::write_all(transport_, s); }

  enum class Read { kData, kNone, kClosed };

  // One recv() (over TLS: until the records already received are consumed), then scans every
  // complete line and message. kNone: EAGAIN or receive timeout.
  // on_msg(args, payload): args is "subject sid [reply]" (the size stripped) for MSG.
  template <typename OnMsg>
  Read read(OnMsg&& on_msg) {
    do {
      if (len_ == buf_.size()) buf_.resize(buf_.size() * 2);  // a message larger than the buffer
      ssize_t n = transport_.recv(buf_.data() + len_, buf_.size() - len_);
      if (n == 0) {
        closed = true;
        return Read::kClosed;
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Read::kNone;
        closed = true;
        return Read::kClosed;
      }
      len_ += static_cast<size_t>(n);
      scan(on_msg);
    } while (transport_.more());
    return Read::kData;
  }
  Read read() {
    return read([](std::string_view, std::string_view) {});
  }

  // Reads (polling, so the socket may be non-blocking) until pred() holds. False on timeout/close.
  template <typename Pred>
  bool wait_until(Pred&& pred, int timeout_ms = kIoTimeoutMs) {
    const int64_t deadline = now_ns() + int64_t{timeout_ms} * 1'000'000;
    while (!pred()) {
      if (closed || errors > 0) return false;
      int64_t left_ms = (deadline - now_ns()) / 1'000'000;
      if (left_ms <= 0) return false;
      pollfd pfd{fd(), POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left_ms)) > 0) read();
    }
    return true;
  }

  // Upgrades to TLS once INFO was read in plain text, as the server expects. Waits (polling) for
  // the handshake to finish. False, with err set, on failure or timeout.
  bool start_tls(SSL_CTX* ctx, std::string& err, int timeout_ms = kIoTimeoutMs) {
    if (!transport_.start_tls(ctx, err)) return false;
    const int64_t deadline = now_ns() + int64_t{timeout_ms} * 1'000'000;
    for (;;) {
      const Transport::Step step = transport_.handshake(err);
      if (step == Transport::Step::kDone) return true;
      if (step == Transport::Step::kFailed) return false;
      const int64_t left_ms = (deadline - now_ns()) / 1'000'000;
      pollfd pfd{fd(), static_cast<short>(step == Transport::Step::kWantRead ? POLLIN : POLLOUT),
                 0};
      if (left_ms <= 0 || poll(&pfd, 1, static_cast<int>(left_ms)) <= 0) {
        err = "TLS handshake timed out";
        return false;
      }
    }
  }

  // Answers the server's PINGs. Only call where a PONG cannot split an outgoing frame.
  void answer_pings() {
    for (; pings > 0; --pings) write_all(kPong);
  }

  uint64_t msgs = 0;   // MSG and HMSG received
  uint64_t pings = 0;  // server PINGs not yet answered
  uint64_t pongs = 0;
  uint64_t errors = 0;  // -ERR lines
  std::string last_error;
  bool got_info = false;
  bool closed = false;

 private:
  template <typename OnMsg>
  void scan(OnMsg& on_msg) {
    char* p = buf_.data();
    char* const end = p + len_;
    while (p < end) {
      char* nl = static_cast<char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr) break;
      char* eol = (nl > p && nl[-1] == '\r') ? nl - 1 : nl;
      // Short-circuit keeps every p[i] at or before nl.
      const bool is_msg = p[0] == 'M' && p[1] == 'S' && p[2] == 'G' && p[3] == ' ';
      const bool is_hmsg = p[0] == 'H' && p[1] == 'M' && p[2] == 'S' && p[3] == 'G' && p[4] == ' ';
      if (is_msg || is_hmsg) {
        char* args = p + (is_msg ? 4 : 5);
        char* d = eol;  // the last token is the total payload size
        size_t size = 0;
        size_t mul = 1;
        while (d > args && d[-1] >= '0' && d[-1] <= '9') {
          size += static_cast<size_t>(d[-1] - '0') * mul;
          mul *= 10;
          --d;
        }
        const size_t need = static_cast<size_t>(nl + 1 - p) + size + 2;
        if (static_cast<size_t>(end - p) < need) break;
        char* args_end = d > args ? d - 1 : d;
        on_msg(std::string_view(args, static_cast<size_t>(args_end - args)),
               std::string_view(nl + 1, size));
        ++msgs;
        p += need;
        continue;
      }
      if (p[0] == 'P' && p[1] == 'I') {
        ++pings;
      } else if (p[0] == 'P' && p[1] == 'O') {
        ++pongs;
      } else if (p[0] == '-') {
        ++errors;
        last_error.assign(p, static_cast<size_t>(eol - p));
      } else if (p[0] == 'I') {
        got_info = true;
      }
      p = nl + 1;
    }
    len_ = static_cast<size_t>(end - p);
    if (len_ > 0 && p != buf_.data()) std::memmove(buf_.data(), p, len_);
  }

  Transport transport_;
  std::vector<char> buf_;
  size_t len_ = 0;
};

// Connects, waits for INFO, upgrades to TLS when `tls` is set, sends CONNECT + `extra` (e.g. SUBs)
// + PING and waits for the PONG. The returned connection is non-blocking.
std::unique_ptr<Conn> open_client(int port, std::string_view extra, std::string& err,
                                  size_t buf_bytes = kReadBufBytes, SSL_CTX* tls = nullptr) {
  int fd = tcp_connect(port);
  if (fd < 0) {
    err = fmt::format("connect to 127.0.0.1:{}: {}", port, std::strerror(errno));
    return nullptr;
  }
  set_nonblocking(fd, true);
  auto c = std::make_unique<Conn>(fd, buf_bytes);
  if (!c->wait_until([&] { return c->got_info; })) {
    err = "no INFO from server";
    return nullptr;
  }
  if (tls != nullptr && !c->start_tls(tls, err)) return nullptr;
  std::string hello = std::string(kConnect) + std::string(extra) + std::string(kPing);
  if (!c->write_all(hello) || !c->wait_until([&] { return c->pongs > 0; })) {
    err = c->errors ? fmt::format("server said {}", c->last_error) : "no PONG after CONNECT";
    return nullptr;
  }
  c->pongs = 0;
  return c;
}

double percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return kNaN;
  size_t idx = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  idx = std::clamp<size_t>(idx, 1, sorted.size()) - 1;
  return static_cast<double>(sorted[idx]);
}

// ---------------------------------------------------------------------------------------------
// The server under test.

std::atomic<pid_t> g_running_server{-1};  // for the SIGINT handler

// A server child process with its own temp dir (ports file, log). Owned by the main thread.
class ServerProcess {
 public:
  // Starts `exe [-c conf] -a 127.0.0.1 -p -1 --ports_file_dir <tmp>` and waits for its ports file.
  static std::unique_ptr<ServerProcess> start(const std::string& exe, const std::string& conf,
                                              std::string& err) {
    char tmpl[] = "/tmp/natsbench.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      err = fmt::format("mkdtemp: {}", std::strerror(errno));
      return nullptr;
    }
    std::unique_ptr<ServerProcess> s(new ServerProcess(tmpl));
    const std::string log_path = s->dir_ + "/server.log";
    std::vector<std::string> args = {exe};
    if (!conf.empty()) args.insert(args.end(), {"-c", conf});
    args.insert(args.end(), {"-a", "127.0.0.1", "-p", "-1", "--ports_file_dir", s->dir_});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // do not outlive natsbench
      dup2(null_fd, 0);
      dup2(log_fd, 1);
      dup2(log_fd, 2);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
    close(log_fd);
    close(null_fd);
    if (pid < 0) {
      err = fmt::format("fork: {}", std::strerror(errno));
      return nullptr;
    }
    s->pid_ = pid;
    g_running_server = pid;
    if (!s->wait_for_port(err)) return nullptr;
    return s;
  }

  ~ServerProcess() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  pid_t pid() const { return pid_; }
  int port() const { return port_; }

  std::string log() const {
    std::ifstream f(dir_ + "/server.log");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  // True (and stop() returns its status) if the process already exited on its own.
  bool exited() {
    if (pid_ <= 0) return true;
    if (waitpid(pid_, &exit_status_, WNOHANG) != pid_) return false;
    pid_ = -1;
    g_running_server = -1;
    return true;
  }

  // SIGTERM, wait; SIGKILL if it does not exit in time. Returns the wait status, -1 if none.
  int stop() {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, SIGTERM);
    int status = -1;
    const int64_t deadline = now_ns() + int64_t{kStopTimeoutMs} * 1'000'000;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (now_ns() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      sleep_ns(5'000'000);
    }
    pid_ = -1;
    g_running_server = -1;
    return status;
  }

 private:
  explicit ServerProcess(std::string dir) : dir_(std::move(dir)) {}

  bool wait_for_port(std::string& err) {
    const std::string suffix = fmt::format("_{}.ports", pid_);
    const int64_t deadline = now_ns() + int64_t{kStartTimeoutMs} * 1'000'000;
    while (now_ns() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        err =
            fmt::format("{} during start-up; log:\n{}",
                        WIFEXITED(status) ? fmt::format("exited with code {}", WEXITSTATUS(status))
                                          : fmt::format("died of signal {}", WTERMSIG(status)),
                        tail(log()));
        return false;
      }
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir_, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
          std::ifstream f(e.path());
          std::string json((std::istreambuf_iterator<char>(f)), {});
          if ((port_ = parse_client_port(json)) > 0) return true;
        }
      }
      sleep_ns(10'000'000);
    }
    err = fmt::format("no ports file in {} after {} ms; log:\n{}", dir_, kStartTimeoutMs,
                      tail(log()));
    return false;
  }

  // {"nats":["nats://127.0.0.1:4222"],...} -> 4222 (tls:// when TLS is on); 0 while the file is
  // still partial.
  static int parse_client_port(const std::string& json) {
    size_t at = json.find("\"nats\"");
    if (at == std::string::npos) return 0;
    at = json.find("://", at + 6);
    if (at == std::string::npos) return 0;
    size_t quote = json.find('"', at);
    if (quote == std::string::npos) return 0;
    size_t colon = json.rfind(':', quote);
    if (colon == std::string::npos || colon < at + 3) return 0;
    return std::atoi(json.c_str() + colon + 1);
  }

  static std::string tail(const std::string& s) {
    return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
  }

  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_status_ = -1;
};

// ---------------------------------------------------------------------------------------------
// Workloads. Each runs one round against a running server and returns one value per metric
// (NaN when it could not be measured) plus notes.

struct Options {
  std::string natsd;
  std::string ref;
  int rounds = 3;
  double duration_s = 3;
  std::vector<std::string> workloads;
  bool markdown = false;
  bool verbose = false;
  int idle_conns = 5000;
  int latency_rate = 20'000;  // msgs/s in the latency-under-load workload
  double wait_idle_s = 0;     // per run, how long to wait for other processes to go quiet
  // Set by main when a TLS workload runs: the certificates and the `-c` file both servers get.
  const TlsClient* tls = nullptr;
  std::string tls_conf;
};

struct RoundResult {
  std::vector<double> values;
  std::vector<std::string> notes;
  std::string summary;  // one line for the progress log
};

// Subscriber-side counters shared with the publisher thread.
struct SubShared {
  std::atomic<uint64_t> delivered{0};
  std::atomic<int64_t> last_ns{0};  // when the last message arrived
  std::atomic<bool> stop{false};
};

// Publisher-side flow control against the subscribers.
struct PubFlow {
  const std::atomic<uint64_t>* delivered = nullptr;  // null: no subscribers
  uint64_t fanout = 0;                               // deliveries per published message
  int64_t max_lag = 0;                               // deliveries
};

struct PubResult {
  uint64_t published = 0;
  uint64_t pong_waits = 0;  // times a connection had to wait for PONGs
  uint64_t lag_waits = 0;   // times the publisher waited for the subscribers
  uint64_t full_waits = 0;  // times a socket send buffer was full
  int64_t end_ns = 0;       // when the PONG for the last batch arrived
  bool ok = true;
};

// The publisher thread: writes `batch` (PUB frames and one PING) round-robin to every connection
// until deadline_ns, never more than kMaxPingsOutstanding batches ahead of the server's PONGs nor
// max_lag deliveries ahead of the subscribers; then finishes partial batches and awaits all PONGs.
PubResult run_publishers(std::vector<std::unique_ptr<Conn>>& pubs, std::string_view batch,
                         uint64_t msgs_per_batch, int64_t deadline_ns, const PubFlow& flow) {
  struct State {
    size_t off = 0;
    uint64_t pings_sent = 0;
  };
  std::vector<State> st(pubs.size());
  std::vector<pollfd> pfds;
  PubResult r;
  bool stopping = false;
  int64_t give_up_ns = 0;
  auto drain = [&](Conn& c) {
    while (c.read() == Conn::Read::kData) {
    }
  };
  for (;;) {
    const int64_t now = now_ns();
    if (!stopping && now >= deadline_ns) {
      stopping = true;
      give_up_ns = now + kFlushTimeoutNs;
    }
    if (stopping && now > give_up_ns) {
      r.ok = false;
      break;
    }
    bool busy = false;
    bool progress = false;
    bool lag_blocked = false;
    pfds.clear();
    for (size_t i = 0; i < pubs.size(); ++i) {
      Conn& c = *pubs[i];
      State& s = st[i];
      if (c.closed) continue;
      // Between batches a PONG cannot split a frame, unless TLS holds part of the next batch
      // (send() said EAGAIN): then only that same send may follow.
      if (s.off == 0 && !c.transport().write_pending()) {
        c.answer_pings();
        if (stopping) {
          if (c.pongs < s.pings_sent) {
            drain(c);
            if (c.pongs < s.pings_sent && !c.closed) {
              busy = true;
              pfds.push_back({c.fd(), POLLIN, 0});
            }
          }
          continue;
        }
        if (s.pings_sent - c.pongs > kMaxPingsOutstanding) {
          drain(c);
          if (s.pings_sent - c.pongs > kMaxPingsOutstanding) {
            ++r.pong_waits;
            busy = true;
            pfds.push_back({c.fd(), POLLIN, 0});
            continue;
          }
        }
        if (flow.delivered != nullptr &&
            static_cast<int64_t>(r.published * flow.fanout) -
                    static_cast<int64_t>(flow.delivered->load(std::memory_order_relaxed)) >
                flow.max_lag) {
          ++r.lag_waits;
          busy = true;
          lag_blocked = true;
          continue;
        }
      }
      busy = true;
      ssize_t n = c.transport().send(batch.data() + s.off, batch.size() - s.off);
      if (n > 0) {
        progress = true;
        s.off += static_cast<size_t>(n);
        if (s.off == batch.size()) {
          s.off = 0;
          ++s.pings_sent;
          r.published += msgs_per_batch;
        }
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        ++r.full_waits;
        pfds.push_back({c.fd(), c.transport().send_wait_events(), 0});
      } else if (!(n < 0 && errno == EINTR)) {
        c.closed = true;
        r.ok = false;
      }
    }
    if (!busy) break;
    if (!progress) {
      // Lag is cleared by the subscriber thread, not by a socket event: re-check soon.
      timespec wait{0, lag_blocked ? 200'000 : 100'000'000};
      ppoll(pfds.data(), pfds.size(), &wait, nullptr);
    }
  }
  for (auto& c : pubs) {
    if (c->closed) r.ok = false;
  }
  r.end_ns = now_ns();
  return r;
}

// The subscriber thread: reads every subscriber until sh.stop, publishing the delivered count.
void run_subscribers(std::vector<std::unique_ptr<Conn>>& subs, SubShared& sh) {
  std::vector<pollfd> pfds;
  for (auto& c : subs) pfds.push_back({c->fd(), POLLIN, 0});
  uint64_t delivered = 0;
  while (!sh.stop.load(std::memory_order_relaxed)) {
    if (poll(pfds.data(), pfds.size(), 10) <= 0) continue;
    for (size_t i = 0; i < subs.size(); ++i) {
      if (pfds[i].revents == 0) continue;
      Conn& c = *subs[i];
      if (c.read() == Conn::Read::kClosed) pfds[i].fd = -1;  // poll() skips negative fds
      c.answer_pings();
    }
    uint64_t sum = 0;
    for (auto& c : subs) sum += c->msgs;
    if (sum != delivered) {
      delivered = sum;
      sh.delivered.store(sum, std::memory_order_relaxed);
      sh.last_ns.store(now_ns(), std::memory_order_relaxed);
    }
  }
}

std::string fmt_count(double v);

// pubs publishers and subs subscribers on one subject, `payload` bytes per message; over TLS when
// `tls` is set.
RoundResult run_flow(const ServerProcess& srv, const Options& opt, int npubs, int nsubs,
                     size_t payload, SSL_CTX* tls) {
  RoundResult out;
  const std::string subject = "natsbench.flow";
  std::string err;
  std::vector<std::unique_ptr<Conn>> subs, pubs;
  for (int i = 0; i < nsubs; ++i) {
    auto c = open_client(srv.port(), fmt::format("SUB {} {}\r\n", subject, i + 1), err,
                         kReadBufBytes, tls);
    if (!c) {
      out.notes.push_back("subscriber: " + err);
      return out;
    }
    subs.push_back(std::move(c));
  }
  for (int i = 0; i < npubs; ++i) {
    auto c = open_client(srv.port(), "", err, kSmallBufBytes, tls);
    if (!c) {
      out.notes.push_back("publisher: " + err);
      return out;
    }
    pubs.push_back(std::move(c));
  }

  const std::string frame =
      fmt::format("PUB {} {}\r\n", subject, payload) + std::string(payload, 'x') + "\r\n";
  const uint64_t per_batch = std::max<uint64_t>(1, kPubBatchBytes / frame.size());
  std::string batch;
  batch.reserve(frame.size() * per_batch + kPing.size());
  for (uint64_t i = 0; i < per_batch; ++i) batch += frame;
  batch += kPing;
  const size_t msg_wire =
      fmt::format("MSG {} {} {}\r\n", subject, nsubs, payload).size() + payload + 2;

  SubShared sh;
  PubFlow flow;
  if (nsubs > 0) {
    flow.delivered = &sh.delivered;
    flow.fanout = static_cast<uint64_t>(nsubs);
    flow.max_lag = static_cast<int64_t>(kMaxLagBytes / msg_wire);
  }

  const double server_cpu0 = process_cpu_seconds(srv.pid());
  const double self_cpu0 = self_cpu_seconds();
  const int64_t t0 = now_ns();
  const int64_t deadline = t0 + static_cast<int64_t>(opt.duration_s * kNsPerSec);
  std::thread sub_thread;
  if (nsubs > 0) sub_thread = std::thread(run_subscribers, std::ref(subs), std::ref(sh));
  PubResult pr;
  std::thread pub_thread([&] { pr = run_publishers(pubs, batch, per_batch, deadline, flow); });
  pub_thread.join();
  uint64_t delivered = pr.published;
  int64_t end_ns = pr.end_ns;
  if (nsubs > 0) {
    const uint64_t expected = pr.published * static_cast<uint64_t>(nsubs);
    while (sh.delivered.load() < expected &&
           now_ns() - std::max(sh.last_ns.load(), pr.end_ns) < kDrainIdleNs) {
      sleep_ns(2'000'000);
    }
    sh.stop = true;
    sub_thread.join();
    delivered = sh.delivered.load();
    end_ns = sh.last_ns.load();
    if (delivered < expected) {
      out.notes.push_back(
          fmt::format("{} of {} deliveries missing", expected - delivered, expected));
    }
  }
  const double wall = static_cast<double>(now_ns() - t0) / 1e9;
  const double server_cpu = process_cpu_seconds(srv.pid()) - server_cpu0;
  const double self_cpu = self_cpu_seconds() - self_cpu0;
  const double secs = static_cast<double>(end_ns - t0) / 1e9;

  if (!pr.ok) out.notes.push_back("a publisher connection failed or its PONGs never came");
  int closed = 0;
  std::string said;
  for (auto* group : {&pubs, &subs}) {
    for (auto& c : *group) {
      if (c->errors) said = c->last_error;
      closed += c->closed ? 1 : 0;
    }
  }
  if (!said.empty()) out.notes.push_back("server said: " + said);
  if (closed) out.notes.push_back(fmt::format("server closed {} connection(s)", closed));
  if (delivered == 0 || secs <= 0) {
    out.values = {kNaN, kNaN, kNaN};
    return out;
  }
  const double rate = static_cast<double>(delivered) / secs;
  out.values = {rate, rate * static_cast<double>(payload) / 1e6,
                server_cpu * 1e9 / static_cast<double>(delivered)};
  out.summary = fmt::format("{} msgs/s; server {:.2f} cores, natsbench {:.2f} cores",
                            fmt_count(rate), server_cpu / wall, self_cpu / wall);
  if (tls != nullptr) out.summary += "; " + pubs[0]->transport().cipher();
  if (opt.verbose) {
    out.summary += fmt::format("; waits: pong {}, lag {}, send buffer {}", pr.pong_waits,
                               pr.lag_waits, pr.full_waits);
  }
  return out;
}

// Sequential request/reply: one requester, one responder; over TLS when `tls` is set.
RoundResult run_reqrep(const ServerProcess& srv, const Options& opt, SSL_CTX* tls) {
  RoundResult out;
  out.values = {kNaN, kNaN, kNaN, kNaN, kNaN};
  std::string err;
  auto req = open_client(srv.port(), "SUB _INBOX.natsbench.> 1\r\n", err, kSmallBufBytes, tls);
  auto resp =
      req ? open_client(srv.port(), "SUB natsbench.req 1\r\n", err, kSmallBufBytes, tls) : nullptr;
  if (!req || !resp) {
    out.notes.push_back(err);
    return out;
  }
  for (Conn* c : {req.get(), resp.get()}) {
    set_nonblocking(c->fd(), false);
    set_recv_timeout(c->fd(), kRecvPollMs);
  }

  std::atomic<bool> stop{false};
  std::thread responder([&] {
    std::string replies;
    auto on_msg = [&](std::string_view args, std::string_view payload) {
      size_t sp = args.rfind(' ');  // "subject sid reply"
      std::string_view reply = args.substr(sp + 1);
      replies += fmt::format("PUB {} {}\r\n", reply, payload.size());
      replies.append(payload);
      replies += "\r\n";
    };
    while (!stop.load(std::memory_order_relaxed) && !resp->closed) {
      resp->read(on_msg);
      if (!replies.empty()) {
        resp->write_all(replies);
        replies.clear();
      }
      resp->answer_pings();
    }
  });

  const std::string frame = "PUB natsbench.req _INBOX.natsbench.1 16\r\n0123456789abcdef\r\n";
  std::vector<int64_t> lat;
  lat.reserve(1 << 20);
  const double server_cpu0 = process_cpu_seconds(srv.pid());
  const int64_t t0 = now_ns();
  const int64_t warm_end =
      t0 + std::min<int64_t>(kNsPerSec / 2, static_cast<int64_t>(opt.duration_s * kNsPerSec / 10));
  const int64_t deadline = t0 + static_cast<int64_t>(opt.duration_s * kNsPerSec);
  bool failed = false;
  uint64_t done = 0;   // measured requests, after warm-up
  uint64_t total = 0;  // all requests
  int64_t measured_start = 0;
  for (int64_t now = t0; now < deadline; now = now_ns()) {
    const uint64_t want = req->msgs + 1;
    const int64_t sent = now_ns();
    if (!req->write_all(frame)) {
      failed = true;
      break;
    }
    const int64_t give_up = sent + int64_t{kIoTimeoutMs} * 1'000'000;
    while (req->msgs < want && !req->closed && now_ns() < give_up) req->read();
    if (req->msgs < want) {
      failed = true;
      break;
    }
    const int64_t got = now_ns();
    ++total;
    req->answer_pings();
    if (sent >= warm_end) {
      if (measured_start == 0) measured_start = sent;
      lat.push_back(got - sent);
      ++done;
    }
  }
  const int64_t t1 = now_ns();
  const double server_cpu = process_cpu_seconds(srv.pid()) - server_cpu0;
  stop = true;
  responder.join();
  if (failed) out.notes.push_back("a request got no reply within 5 s");
  if (req->errors) out.notes.push_back("server said: " + req->last_error);
  if (lat.empty()) return out;
  std::sort(lat.begin(), lat.end());
  const double rps = static_cast<double>(done) / (static_cast<double>(t1 - measured_start) / 1e9);
  out.values = {percentile(lat, 0.5) / 1e3, percentile(lat, 0.99) / 1e3,
                percentile(lat, 0.999) / 1e3, rps, server_cpu * 1e6 / static_cast<double>(total)};
  out.summary = fmt::format("p50 {:.1f} us, {} req/s", out.values[0], fmt_count(rps));
  if (tls != nullptr) out.summary += "; " + req->transport().cipher();
  return out;
}

// One publisher at a fixed rate, one subscriber; each payload carries its send time.
RoundResult run_latency(const ServerProcess& srv, const Options& opt) {
  RoundResult out;
  out.values = {kNaN, kNaN, kNaN, kNaN};
  std::string err;
  auto sub = open_client(srv.port(), "SUB natsbench.lat 1\r\n", err, kReadBufBytes);
  auto pub = sub ? open_client(srv.port(), "", err, kSmallBufBytes) : nullptr;
  if (!sub || !pub) {
    out.notes.push_back(err);
    return out;
  }
  set_nonblocking(sub->fd(), false);
  set_recv_timeout(sub->fd(), kRecvPollMs);
  set_nonblocking(pub->fd(), false);

  const int64_t t0 = now_ns();
  const int64_t warm_end =
      t0 + std::min<int64_t>(kNsPerSec / 2, static_cast<int64_t>(opt.duration_s * kNsPerSec / 10));
  const int64_t deadline = t0 + static_cast<int64_t>(opt.duration_s * kNsPerSec);
  const int64_t interval = kNsPerSec / std::max(1, opt.latency_rate);
  std::vector<int64_t> lat;
  lat.reserve(static_cast<size_t>(opt.latency_rate * (opt.duration_s + 1)));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> received{0};
  std::thread reader([&] {
    auto on_msg = [&](std::string_view, std::string_view payload) {
      received.fetch_add(1, std::memory_order_relaxed);
      if (payload.size() < sizeof(int64_t)) return;
      int64_t sent;
      std::memcpy(&sent, payload.data(), sizeof sent);
      if (sent >= warm_end) lat.push_back(now_ns() - sent);
    };
    while (!stop.load(std::memory_order_relaxed) && !sub->closed) {
      sub->read(on_msg);
      sub->answer_pings();
    }
  });

  const double server_cpu0 = process_cpu_seconds(srv.pid());
  constexpr uint64_t kMaxBurst = 64;  // catching up after a late wake-up
  const std::string head = "PUB natsbench.lat 16\r\n";
  std::string frames;
  uint64_t slot = 0;     // send slots elapsed, including skipped ones
  uint64_t written = 0;  // messages actually sent
  bool failed = false;
  for (int64_t next = t0; next < deadline; next = t0 + static_cast<int64_t>(slot) * interval) {
    timespec ts{static_cast<time_t>(next / kNsPerSec), static_cast<long>(next % kNsPerSec)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    const int64_t now = now_ns();
    const uint64_t due = static_cast<uint64_t>((now - t0) / interval) + 1;
    const uint64_t n = std::clamp<uint64_t>(due - slot, 1, kMaxBurst);
    frames.clear();
    for (uint64_t i = 0; i < n; ++i) {
      frames += head;
      char payload[16] = {};
      std::memcpy(payload, &now, sizeof now);
      frames.append(payload, sizeof payload);
      frames += "\r\n";
    }
    if (!pub->write_all(frames)) {
      failed = true;
      break;
    }
    written += n;
    slot = std::max(slot + n, due);  // skip what we cannot catch up on rather than bursting
  }
  const int64_t t1 = now_ns();
  while (received.load() < written && now_ns() - t1 < 2 * kNsPerSec) sleep_ns(1'000'000);
  const double server_cpu = process_cpu_seconds(srv.pid()) - server_cpu0;
  const double wall = static_cast<double>(now_ns() - t0) / 1e9;
  stop = true;
  reader.join();
  if (failed) out.notes.push_back("publisher connection failed");
  if (sub->errors) out.notes.push_back("server said: " + sub->last_error);
  if (lat.empty()) return out;
  std::sort(lat.begin(), lat.end());
  out.values = {percentile(lat, 0.5) / 1e3, percentile(lat, 0.99) / 1e3,
                percentile(lat, 0.999) / 1e3, 100.0 * server_cpu / wall};
  out.summary = fmt::format("p50 {:.1f} us, p99 {:.1f} us over {} msgs", out.values[0],
                            out.values[1], lat.size());
  return out;
}

// Takes conns[first..] from the server's INFO through the TLS handshake to hello(i) sent, all at
// once (one poll() over the batch). Returns an error, or empty when every hello went out.
std::string tls_open_batch(std::vector<std::unique_ptr<Conn>>& conns, size_t first, SSL_CTX* tls,
                           const std::function<std::string(size_t)>& hello) {
  enum class Stage { kInfo, kHandshake, kSent };
  const size_t n = conns.size() - first;
  std::vector<Stage> stage(n, Stage::kInfo);
  std::vector<short> want(n, POLLIN);
  std::vector<pollfd> pfds;
  std::vector<size_t> at;  // pfds[k] is conns[first + at[k]]
  const int64_t deadline = now_ns() + int64_t{kIoTimeoutMs} * 1'000'000;
  std::string err;
  for (size_t left = n; left > 0;) {
    pfds.clear();
    at.clear();
    for (size_t i = 0; i < n; ++i) {
      if (stage[i] == Stage::kSent) continue;
      pfds.push_back({conns[first + i]->fd(), want[i], 0});
      at.push_back(i);
    }
    const int64_t left_ms = (deadline - now_ns()) / 1'000'000;
    if (left_ms <= 0) return fmt::format("{} TLS handshakes timed out", left);
    if (poll(pfds.data(), pfds.size(), static_cast<int>(left_ms)) <= 0) continue;
    for (size_t k = 0; k < pfds.size(); ++k) {
      if (pfds[k].revents == 0) continue;
      const size_t i = at[k];
      Conn& c = *conns[first + i];
      if (stage[i] == Stage::kInfo) {
        c.read();
        if (c.closed) return fmt::format("connection #{} closed before INFO", first + i);
        if (!c.got_info) continue;
        if (!c.transport().start_tls(tls, err)) return err;
        stage[i] = Stage::kHandshake;
      }
      switch (c.transport().handshake(err)) {
        case Transport::Step::kDone:
          if (!c.write_all(hello(first + i))) {
            return fmt::format("write to connection #{} failed", first + i);
          }
          stage[i] = Stage::kSent;
          --left;
          break;
        case Transport::Step::kWantRead:
          want[i] = POLLIN;
          break;
        case Transport::Step::kWantWrite:
          want[i] = POLLOUT;
          break;
        case Transport::Step::kFailed:
          return fmt::format("connection #{}: {}", first + i, err);
      }
    }
  }
  return "";
}

// Opens opt.idle_conns connections (CONNECT, one SUB, PING/PONG each; over TLS when `tls` is set)
// and reads the server's RSS.
RoundResult run_idle_conns(const ServerProcess& srv, const Options& opt, SSL_CTX* tls) {
  RoundResult out;
  out.values = {kNaN, kNaN};
  sleep_ns(kNsPerSec / 5);  // let the server finish starting up
  const int64_t rss0 = process_rss_bytes(srv.pid());
  std::vector<std::unique_ptr<Conn>> conns;
  conns.reserve(static_cast<size_t>(opt.idle_conns));
  auto hello = [](size_t i) {
    return fmt::format("{}SUB natsbench.idle.{} 1\r\nPING\r\n", kConnect, i);
  };
  std::string fail;
  for (int base = 0; base < opt.idle_conns && fail.empty(); base += kIdleConnBatch) {
    const int end = std::min(opt.idle_conns, base + kIdleConnBatch);
    const size_t first = conns.size();
    for (int i = base; i < end; ++i) {
      int fd = tcp_connect(srv.port());
      if (fd < 0) {
        fail = fmt::format("connect #{}: {}", i, std::strerror(errno));
        break;
      }
      set_nonblocking(fd, true);
      conns.push_back(std::make_unique<Conn>(fd, kSmallBufBytes));
      if (tls != nullptr) continue;  // TLS starts after INFO: below, for the whole batch
      // Pipelined: CONNECT does not wait for INFO, as fast clients do.
      if (!conns.back()->write_all(hello(i))) {
        fail = fmt::format("write to connection #{} failed", i);
      }
    }
    if (tls != nullptr && fail.empty()) fail = tls_open_batch(conns, first, tls, hello);
    for (size_t i = first; i < conns.size() && fail.empty(); ++i) {
      Conn& c = *conns[i];
      if (!c.wait_until([&] { return c.pongs > 0; })) {
        fail =
            fmt::format("connection #{}: {}", i, c.errors ? c.last_error : std::string("no PONG"));
      }
    }
  }
  size_t ok = 0;
  for (auto& c : conns) ok += (c->pongs > 0 && !c->closed) ? 1 : 0;
  if (!fail.empty()) out.notes.push_back(fmt::format("{} (after {} connections)", fail, ok));
  sleep_ns(kNsPerSec);  // let lazily allocated per-connection state settle
  const int64_t rss1 = process_rss_bytes(srv.pid());
  if (ok == 0 || rss0 < 0 || rss1 < 0) return out;
  const double per_conn = static_cast<double>(rss1 - rss0) / static_cast<double>(ok);
  out.values = {per_conn, static_cast<double>(rss0) / 1e6};
  out.summary = fmt::format("{} conns, RSS {:.1f} -> {:.1f} MB, {:.0f} B/conn", ok, rss0 / 1e6,
                            rss1 / 1e6, per_conn);
  if (tls != nullptr) out.summary += "; " + conns[0]->transport().cipher();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

struct MetricDef {
  std::string name;
  bool higher_better;
  int decimals;
};

struct Workload {
  std::string id;
  std::string title;
  std::vector<MetricDef> metrics;
  std::function<RoundResult(const ServerProcess&, const Options&)> run;
  bool tls = false;  // both servers get opt.tls_conf; not in the default set (see --tls)
};

std::vector<Workload> all_workloads(const Options& opt) {
  const std::vector<MetricDef> flow_metrics = {
      {"msgs/s", true, 0}, {"MB/s (payload)", true, 1}, {"server CPU ns/msg", false, 1}};
  const std::vector<MetricDef> reqrep_metrics = {{"p50 us", false, 1},
                                                 {"p99 us", false, 1},
                                                 {"p99.9 us", false, 1},
                                                 {"req/s", true, 0},
                                                 {"server CPU us/req", false, 2}};
  const std::vector<MetricDef> conns_metrics = {{"RSS bytes/conn", false, 0},
                                                {"RSS at start MB", false, 1}};
  // The client context of a workload: none for plain ones; the TLS ones run after main set
  // opt.tls, so they look it up when they run.
  auto ctx = [](bool tls, const Options& o) { return tls ? o.tls->bulk() : nullptr; };
  auto flow = [=](int pubs, int subs, size_t payload, bool tls = false) {
    return [=](const ServerProcess& s, const Options& o) {
      return run_flow(s, o, pubs, subs, payload, ctx(tls, o));
    };
  };
  auto reqrep = [=](bool tls) {
    return [=](const ServerProcess& s, const Options& o) { return run_reqrep(s, o, ctx(tls, o)); };
  };
  auto conns = [](bool tls) {
    return [=](const ServerProcess& s, const Options& o) {
      return run_idle_conns(s, o, tls ? o.tls->idle() : nullptr);
    };
  };
  return {
      {"pub", "pub-only 16 B: 1 publisher, no subscribers", flow_metrics, flow(1, 0, 16)},
      {"pubsub-16", "pub->sub 16 B: 1 publisher, 1 subscriber (received msgs/s)", flow_metrics,
       flow(1, 1, 16)},
      {"pubsub-1k", "pub->sub 1 KB: 1 publisher, 1 subscriber (received msgs/s)", flow_metrics,
       flow(1, 1, 1024)},
      {"fanout", "fan-out 1->5 16 B: 1 publisher, 5 subscribers (total delivered msgs/s)",
       flow_metrics, flow(1, 5, 16)},
      {"fanin", "fan-in 5->1 16 B: 5 publishers, 1 subscriber (received msgs/s)", flow_metrics,
       flow(5, 1, 16)},
      {"reqrep", "request/reply 16 B: 1 requester, 1 responder, sequential", reqrep_metrics,
       reqrep(false)},
      {"latency",
       fmt::format("pub->sub latency 16 B at {} msgs/s: 1 publisher, 1 subscriber",
                   opt.latency_rate),
       {{"p50 us", false, 1},
        {"p99 us", false, 1},
        {"p99.9 us", false, 1},
        {"server CPU %", false, 1}},
       run_latency},
      {"conns", fmt::format("{} idle connections: CONNECT, 1 SUB, PING/PONG each", opt.idle_conns),
       conns_metrics, conns(false)},
      {"tls-pub", "TLS pub-only 16 B: 1 publisher, no subscribers", flow_metrics,
       flow(1, 0, 16, true), true},
      {"tls-pubsub-16", "TLS pub->sub 16 B: 1 publisher, 1 subscriber (received msgs/s)",
       flow_metrics, flow(1, 1, 16, true), true},
      {"tls-pubsub-1k", "TLS pub->sub 1 KB: 1 publisher, 1 subscriber (received msgs/s)",
       flow_metrics, flow(1, 1, 1024, true), true},
      {"tls-fanout", "TLS fan-out 1->5 16 B: 1 publisher, 5 subscribers (total delivered msgs/s)",
       flow_metrics, flow(1, 5, 16, true), true},
      {"tls-reqrep", "TLS request/reply 16 B: 1 requester, 1 responder, sequential", reqrep_metrics,
       reqrep(true), true},
      {"tls-conns",
       fmt::format("{} idle TLS connections: handshake, CONNECT, 1 SUB, PING/PONG each",
                   opt.idle_conns),
       conns_metrics, conns(true), true},
  };
}

std::string fmt_count(double v) {
  std::string digits = fmt::format("{:.0f}", v);
  std::string out;
  const size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i >= lead && (i - lead) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fmt_value(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  if (decimals == 0 && v >= 0) return fmt_count(v);
  return fmt::format("{:.{}f}", v, decimals);
}

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Row {
  std::string workload;
  std::string metric;
  double ours;
  double ref;
  bool higher_better;
  int decimals;
};

std::string fmt_ratio(const Row& r) {
  if (std::isnan(r.ours) || std::isnan(r.ref) || r.ours <= 0 || r.ref <= 0) return "n/a";
  return fmt::format("{:.2f}", r.higher_better ? r.ours / r.ref : r.ref / r.ours);
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

// "3s", "500ms", "1.5", "1m" -> seconds; negative on error.
double parse_duration(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit(end);
  if (end == s.c_str() || v <= 0) return -1;
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1e3;
  if (unit == "m") return v * 60;
  return -1;
}

// Waits (up to max_s) until other processes use less than kNoisyOtherCores, sampled over 0.5 s.
void wait_for_idle_machine(double max_s) {
  const int64_t give_up = now_ns() + static_cast<int64_t>(max_s * kNsPerSec);
  double busy = 0;
  do {
    const double busy0 = machine_busy_seconds();
    const double self0 = self_cpu_seconds();
    sleep_ns(kNsPerSec / 2);
    busy = (machine_busy_seconds() - busy0 - (self_cpu_seconds() - self0)) * 2;
  } while (busy > kNoisyOtherCores && now_ns() < give_up);
}

void usage(FILE* to) {
  fmt::print(to,
             "usage: natsbench --natsd PATH --ref PATH [--rounds N] [--duration 3s]\n"
             "                 [--workloads a,b,...] [--tls] [--markdown] [--verbose]\n"
             "                 [--conns N] [--latency-rate MSGS_PER_S] [--wait-idle 60s]\n"
             "workloads: pub, pubsub-16, pubsub-1k, fanout, fanin, reqrep, latency, conns\n"
             "           (the default set);\n"
             "           tls-pub, tls-pubsub-16, tls-pubsub-1k, tls-fanout, tls-reqrep, tls-conns\n"
             "           (the group `tls`, also selected by --tls); `all` is both\n");
}

void on_sigint(int) {
  pid_t pid = g_running_server.load();
  if (pid > 0) kill(pid, SIGTERM);
  _exit(130);
}

// The temporary directory of the run's certificates and TLS config; removed when main returns.
struct TempDir {
  std::string path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Writes the certificates and `tls.conf` (a tls {} block both servers are started with) into a
// new temporary directory. Sets opt.tls and opt.tls_conf; false, with err set, on failure.
bool set_up_tls(Options& opt, TempDir& dir, std::unique_ptr<TlsClient>& tls, std::string& err) {
  // Generous: 250 handshakes are in flight at once in tls-conns, on 2 shared cores.
  constexpr int kTlsTimeoutSecs = 5;
  char tmpl[] = "/tmp/natsbench-tls.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    err = fmt::format("mkdtemp: {}", std::strerror(errno));
    return false;
  }
  dir.path = tmpl;
  tls = TlsClient::create(dir.path, err);
  if (!tls) return false;
  opt.tls = tls.get();
  opt.tls_conf = dir.path + "/tls.conf";
  std::ofstream conf(opt.tls_conf);
  conf << fmt::format("tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  timeout: {}\n}}\n",
                      tls->cert_file(), tls->key_file(), kTlsTimeoutSecs);
  conf.close();
  if (!conf) {
    err = "cannot write " + opt.tls_conf;
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  bool tls_group = false;  // --tls
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string val;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      val = arg.substr(eq + 1);
      arg.resize(eq);
    }
    auto value = [&]() -> std::string {
      if (!val.empty()) return val;
      if (i + 1 >= argc) {
        fmt::print(stderr, "natsbench: {} needs a value\n", arg);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--natsd") {
      opt.natsd = value();
    } else if (arg == "--ref") {
      opt.ref = value();
    } else if (arg == "--rounds") {
      opt.rounds = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--duration") {
      opt.duration_s = parse_duration(value());
      if (opt.duration_s <= 0) {
        fmt::print(stderr, "natsbench: bad --duration\n");
        return 2;
      }
    } else if (arg == "--workloads") {
      std::stringstream ss(value());
      std::string w;
      opt.workloads.clear();
      while (std::getline(ss, w, ',')) {
        if (!w.empty()) opt.workloads.push_back(w);
      }
    } else if (arg == "--tls") {
      tls_group = true;
    } else if (arg == "--markdown") {
      opt.markdown = true;
    } else if (arg == "--verbose" || arg == "-v") {
      opt.verbose = true;
    } else if (arg == "--conns") {
      opt.idle_conns = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--wait-idle") {
      opt.wait_idle_s = std::max(0.0, parse_duration(value()));
    } else if (arg == "--latency-rate") {
      opt.latency_rate = std::max(1, std::atoi(value().c_str()));
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      fmt::print(stderr, "natsbench: unknown argument {}\n", arg);
      usage(stderr);
      return 2;
    }
  }
  if (opt.natsd.empty() || opt.ref.empty()) {
    usage(stderr);
    return 2;
  }
  for (const auto& exe : {opt.natsd, opt.ref}) {
    if (access(exe.c_str(), X_OK) != 0) {
      fmt::print(stderr, "natsbench: {} is not an executable: {}\n", exe, std::strerror(errno));
      return 1;
    }
  }

  // Both ends of every idle connection are fds; servers inherit the raised limit.
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  const int max_conns = static_cast<int>(std::min<rlim_t>(rl.rlim_cur, 1 << 20)) - 100;
  if (opt.idle_conns > max_conns) {
    fmt::print(stderr, "natsbench: RLIMIT_NOFILE is {}: using {} idle connections\n", rl.rlim_cur,
               max_conns);
    opt.idle_conns = std::max(1, max_conns);
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, on_sigint);
  signal(SIGTERM, on_sigint);

  // No --workloads and no --tls: the plain set. Otherwise the named ones and groups, in the
  // order all_workloads() lists them.
  if (tls_group) opt.workloads.push_back("tls");
  auto named = [&](const std::string& id) {
    return std::find(opt.workloads.begin(), opt.workloads.end(), id) != opt.workloads.end();
  };
  std::vector<Workload> workloads;
  for (auto& w : all_workloads(opt)) {
    if (opt.workloads.empty() ? !w.tls : (named(w.id) || named("all") || (w.tls && named("tls")))) {
      workloads.push_back(std::move(w));
    }
  }
  for (const auto& id : opt.workloads) {
    if (id != "all" && id != "tls" &&
        std::none_of(workloads.begin(), workloads.end(), [&](auto& w) { return w.id == id; })) {
      fmt::print(stderr, "natsbench: unknown workload {}\n", id);
      usage(stderr);
      return 2;
    }
  }
  TempDir tls_dir;
  std::unique_ptr<TlsClient> tls;
  if (std::any_of(workloads.begin(), workloads.end(), [](auto& w) { return w.tls; })) {
    std::string err;
    if (!set_up_tls(opt, tls_dir, tls, err)) {
      fmt::print(stderr, "natsbench: TLS set-up: {}\n", err);
      return 1;
    }
  }

  const std::string cpu = cpu_model();
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  const std::string header = fmt::format(
      "CPU: {}, {} cores. {} round(s) of {} s per workload, median shown. natsd: {}; "
      "nats-server: {}.",
      cpu, cores, opt.rounds, opt.duration_s, opt.natsd, opt.ref);
  const std::string ratio_note =
      "ratio > 1.0 means natsd is better: natsd/nats-server for throughput (msgs/s, MB/s, req/s), "
      "nats-server/natsd for latency, CPU and memory.";
  if (!opt.markdown) fmt::print("{}\n{}\n", header, ratio_note);
  std::fflush(stdout);

  const std::string exes[2] = {opt.natsd, opt.ref};
  const char* names[2] = {"natsd", "nats-server"};
  std::vector<Row> rows;
  std::vector<std::string> all_notes;
  for (const auto& wl : workloads) {
    std::vector<std::vector<double>> vals[2];
    vals[0].resize(wl.metrics.size());
    vals[1].resize(wl.metrics.size());
    std::vector<std::string> notes;
    int noisy_runs = 0;
    double max_other = 0;
    for (int round = 0; round < opt.rounds; ++round) {
      for (int k = 0; k < 2; ++k) {
        const int who = (round % 2 == 0) ? k : 1 - k;  // natsd first in even rounds
        std::string err;
        if (opt.wait_idle_s > 0) wait_for_idle_machine(opt.wait_idle_s);
        auto srv = ServerProcess::start(exes[who], wl.tls ? opt.tls_conf : std::string(), err);
        if (!srv) {
          fmt::print(stderr, "natsbench: {} ({}) failed to start: {}\n", names[who], exes[who],
                     err);
          return 1;
        }
        const pid_t pid = srv->pid();
        const double busy0 = machine_busy_seconds();
        const double srv0 = process_cpu_seconds(pid);
        const double self0 = self_cpu_seconds();
        const int64_t t0 = now_ns();
        RoundResult res = wl.run(*srv, opt);
        const double wall = static_cast<double>(now_ns() - t0) / 1e9;
        // /proc/stat samples per tick while per-process times are exact, so short wake-ups can
        // make this slightly negative: clamp.
        const double other =
            std::max(0.0, (machine_busy_seconds() - busy0 - (process_cpu_seconds(pid) - srv0) -
                           (self_cpu_seconds() - self0)) /
                              wall);
        const bool crashed = srv->exited();
        const int status = srv->stop();
        const std::string log = srv->log();
        srv.reset();
        size_t slow = 0;
        for (size_t at = log.find("Slow Consumer"); at != std::string::npos;
             at = log.find("Slow Consumer", at + 1)) {
          ++slow;
        }
        if (slow) res.notes.push_back(fmt::format("server logged {} slow consumer(s)", slow));
        res.values.resize(wl.metrics.size(), kNaN);
        if (crashed) {  // its numbers describe a run cut short: keep them out of the median
          res.notes.push_back(fmt::format(
              "server (pid {}) {} during the run; round discarded", pid,
              WIFSIGNALED(status) ? fmt::format("died of signal {}", WTERMSIG(status))
                                  : fmt::format("exited with code {}", WEXITSTATUS(status))));
          res.values.assign(wl.metrics.size(), kNaN);
        }
        if (other > kNoisyOtherCores) ++noisy_runs;
        max_other = std::max(max_other, other);
        res.values.resize(wl.metrics.size(), kNaN);
        for (size_t m = 0; m < wl.metrics.size(); ++m) vals[who][m].push_back(res.values[m]);
        for (const auto& n : res.notes) {
          notes.push_back(fmt::format("{} round {}: {}", names[who], round + 1, n));
        }
        fmt::print(stderr, "[{} round {}/{} {}] {} (other load {:.2f} cores)\n", wl.id, round + 1,
                   opt.rounds, names[who], res.summary.empty() ? "no result" : res.summary, other);
      }
    }
    if (noisy_runs > 0) {
      notes.push_back(fmt::format(
          "other processes used up to {:.2f} of {} cores in {} of {} runs: expect noise", max_other,
          cores, noisy_runs, 2 * opt.rounds));
    }
    std::vector<Row> wl_rows;
    for (size_t m = 0; m < wl.metrics.size(); ++m) {
      const auto& md = wl.metrics[m];
      wl_rows.push_back(Row{wl.title, md.name, median(vals[0][m]), median(vals[1][m]),
                            md.higher_better, md.decimals});
    }
    if (!opt.markdown) {
      fmt::print("\n{}\n", wl.title);
      fmt::print("  {:<20} {:>14} {:>14} {:>7}\n", "metric", "natsd", "nats-server", "ratio");
      for (const auto& r : wl_rows) {
        fmt::print("  {:<20} {:>14} {:>14} {:>7}\n", r.metric, fmt_value(r.ours, r.decimals),
                   fmt_value(r.ref, r.decimals), fmt_ratio(r));
      }
      for (const auto& n : notes) fmt::print("  note: {}\n", n);
      std::fflush(stdout);
    }
    rows.insert(rows.end(), wl_rows.begin(), wl_rows.end());
    for (const auto& n : notes) all_notes.push_back(wl.id + ": " + n);
  }

  if (opt.markdown) {
    fmt::print("{}\n\n{}\n\n", header, ratio_note);
    fmt::print("| Workload | Metric | natsd | nats-server | Ratio |\n|---|---|---:|---:|---:|\n");
    std::string last;
    for (const auto& r : rows) {
      fmt::print("| {} | {} | {} | {} | {} |\n", r.workload == last ? "" : r.workload, r.metric,
                 fmt_value(r.ours, r.decimals), fmt_value(r.ref, r.decimals), fmt_ratio(r));
      last = r.workload;
    }
    if (!all_notes.empty()) {
      fmt::print("\nNotes:\n\n");
      for (const auto& n : all_notes) fmt::print("- {}\n", n);
    }
  }
  return 0;
}
