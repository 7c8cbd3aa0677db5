#pragma once
// Template body of ClientParser::parse; included from client_parser.h only.

#include <cstring>

namespace nats::proto {

template <typename Handler>
bool ClientParser::dispatch_arg(State s, std::string_view arg, Handler& h, ParseResult& r) {
  // A handler's false means it has already reacted (closed the client, say).
  auto go_on = [&r](bool handler_result) {
    if (!handler_result) r.status = ParseStatus::kStopped;
    return handler_result;
  };
  auto malformed = [&r, arg](const char* what) {
    r.status = ParseStatus::kProtocolError;
    r.error = std::string(what) + ": '" + std::string(arg) + "'";
    return false;
  };
  switch (s) {
    case State::kPubArg:
    case State::kHpubArg:
      if (const char* err = parse_pub_args(arg, s == State::kHpubArg, pub_)) return malformed(err);
      if (!go_on(h.on_pub(pub_))) return false;
      state_ = State::kPayload;
      return true;
    case State::kSubArg: {
      std::string_view f[4];
      const size_t n = split_fields(arg, f, 3);
      if (n == 2) return go_on(h.on_sub(f[0], {}, f[1]));
      if (n == 3) return go_on(h.on_sub(f[0], f[1], f[2]));
      return malformed("processSub Parse Error");
    }
    case State::kUnsubArg: {
      std::string_view f[3];
      const size_t n = split_fields(arg, f, 2);
      if (n != 1 && n != 2) return malformed("processUnsub Parse Error");
      return go_on(h.on_unsub(f[0], n == 2 ? parse_size(f[1]) : -1));
    }
    case State::kConnectArg:
      return go_on(h.on_connect(arg));
    case State::kInfoArg:
      return go_on(h.on_info(arg));
    case State::kMinusErrArg:
      return go_on(h.on_err(arg));
    default:
      return true;
  }
}

inline void ClientParser::own_pub_args() {
  std::string owned;
  owned.reserve(pub_.subject.size() + pub_.reply.size() + pub_.header_len_text.size() +
                pub_.total_len_text.size());
  owned.append(pub_.subject)
      .append(pub_.reply)
      .append(pub_.header_len_text)
      .append(pub_.total_len_text);
  pub_line_.swap(owned);
  std::string_view all(pub_line_);
  size_t off = 0;
  auto take = [&](std::string_view& field) {
    field = all.substr(off, field.size());
    off += field.size();
  };
  take(pub_.subject);
  take(pub_.reply);
  take(pub_.header_len_text);
  take(pub_.total_len_text);
  pub_owned_ = true;
}

template <typename Handler>
ParseResult ClientParser::parse(const char* data, size_t len, Handler& h) {
  ParseResult r;
  size_t i = 0;

  // Advances through one letter of an operation name, case-insensitively.
#define NATS_OP_LETTER(upper, next) \
  if ((b & 0xDF) == (upper)) {      \
    state_ = (next);                \
    ++i;                            \
    break;                          \
  }                                 \
  goto unknown_op

  while (i < len) {
    const char b = data[i];
    switch (state_) {
      case State::kStart:
        if (b != 'C' && b != 'c' && h.awaiting_auth()) {
          r.status = ParseStatus::kAuthRequired;
          r.consumed = i;
          return r;
        }
        switch (b) {
          case 'P':
          case 'p':
            state_ = State::kP;
            break;
          case 'H':
          case 'h':
            state_ = State::kH;
            break;
          case 'S':
          case 's':
            state_ = State::kS;
            break;
          case 'U':
          case 'u':
            state_ = State::kU;
            break;
          case 'C':
          case 'c':
            state_ = State::kC;
            break;
          case 'I':
          case 'i':
            state_ = State::kI;
            break;
          case '+':
            state_ = State::kPlus;
            break;
          case '-':
            state_ = State::kMinus;
            break;
          default:
            goto unknown_op;
        }
        ++i;
        break;

      // PUB, PING, PONG
      case State::kP:
        switch (b) {
          case 'U':
          case 'u':
            state_ = State::kPu;
            break;
          case 'I':
          case 'i':
            state_ = State::kPi;
            break;
          case 'O':
          case 'o':
            state_ = State::kPo;
            break;
          default:
            goto unknown_op;
        }
        ++i;
        break;
      case State::kPu:
        NATS_OP_LETTER('B', State::kPub);
      case State::kPi:
        NATS_OP_LETTER('N', State::kPin);
      case State::kPin:
        NATS_OP_LETTER('G', State::kPing);
      case State::kPo:
        NATS_OP_LETTER('N', State::kPon);
      case State::kPon:
        NATS_OP_LETTER('G', State::kPong);

      // HPUB
      case State::kH:
        NATS_OP_LETTER('P', State::kHp);
      case State::kHp:
        NATS_OP_LETTER('U', State::kHpu);
      case State::kHpu:
        NATS_OP_LETTER('B', State::kHpub);

      // SUB
      case State::kS:
        NATS_OP_LETTER('U', State::kSu);
      case State::kSu:
        NATS_OP_LETTER('B', State::kSub);

      // UNSUB
      case State::kU:
        NATS_OP_LETTER('N', State::kUn);
      case State::kUn:
        NATS_OP_LETTER('S', State::kUns);
      case State::kUns:
        NATS_OP_LETTER('U', State::kUnsu);
      case State::kUnsu:
        NATS_OP_LETTER('B', State::kUnsub);

      // CONNECT
      case State::kC:
        NATS_OP_LETTER('O', State::kCo);
      case State::kCo:
        NATS_OP_LETTER('N', State::kCon);
      case State::kCon:
        NATS_OP_LETTER('N', State::kConn);
      case State::kConn:
        NATS_OP_LETTER('E', State::kConne);
      case State::kConne:
        NATS_OP_LETTER('C', State::kConnec);
      case State::kConnec:
        NATS_OP_LETTER('T', State::kConnect);

      // INFO
      case State::kI:
        NATS_OP_LETTER('N', State::kIn);
      case State::kIn:
        NATS_OP_LETTER('F', State::kInf);
      case State::kInf:
        NATS_OP_LETTER('O', State::kInfo);

      // +OK and -ERR
      case State::kPlus:
        NATS_OP_LETTER('O', State::kPlusO);
      case State::kPlusO:
        NATS_OP_LETTER('K', State::kPlusOk);
      case State::kMinus:
        NATS_OP_LETTER('E', State::kMinusE);
      case State::kMinusE:
        NATS_OP_LETTER('R', State::kMinusEr);
      case State::kMinusEr:
        NATS_OP_LETTER('R', State::kMinusErr);

      // Operations that need at least one space or tab before their arguments.
      case State::kPub:
      case State::kHpub:
      case State::kSub:
      case State::kUnsub:
      case State::kMinusErr:
        if (b != ' ' && b != '\t') goto unknown_op;
        state_ = state_ == State::kPub     ? State::kPubSpc
                 : state_ == State::kHpub  ? State::kHpubSpc
                 : state_ == State::kSub   ? State::kSubSpc
                 : state_ == State::kUnsub ? State::kUnsubSpc
                                           : State::kMinusErrSpc;
        ++i;
        break;

      // Skip the separator run; the first other byte starts the argument line. CONNECT and
      // INFO take their argument with or without a separator, as nats-server does.
      case State::kPubSpc:
      case State::kHpubSpc:
      case State::kSubSpc:
      case State::kUnsubSpc:
      case State::kMinusErrSpc:
      case State::kConnect:
      case State::kInfo:
        if (b == ' ' || b == '\t') {
          ++i;
          break;
        }
        state_ = state_ == State::kPubSpc     ? State::kPubArg
                 : state_ == State::kHpubSpc  ? State::kHpubArg
                 : state_ == State::kSubSpc   ? State::kSubArg
                 : state_ == State::kUnsubSpc ? State::kUnsubArg
                 : state_ == State::kConnect  ? State::kConnectArg
                 : state_ == State::kInfo     ? State::kInfoArg
                                              : State::kMinusErrArg;
        break;

      // Argument lines end at '\n'; a '\r' before it is dropped.
      case State::kPubArg:
      case State::kHpubArg:
      case State::kSubArg:
      case State::kUnsubArg:
      case State::kConnectArg:
      case State::kInfoArg:
      case State::kMinusErrArg: {
        const char* nl = static_cast<const char*>(std::memchr(data + i, '\n', len - i));
        if (nl == nullptr) {
          arg_buf_.append(data + i, len - i);
          i = len;
          size_t effective = arg_buf_.size();
          if (effective > 0 && arg_buf_.back() == '\r') --effective;
          if (effective > max_control_line_) goto max_control_line;
          break;
        }
        size_t end = size_t(nl - data);
        std::string_view line;
        if (arg_buf_.empty()) {
          line = std::string_view(data + i, end - i);
        } else {
          arg_buf_.append(data + i, end - i);
          line = arg_buf_;
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > max_control_line_) goto max_control_line;
        i = end + 1;
        const State s = state_;
        state_ = State::kStart;
        bool go_on = dispatch_arg(s, line, h, r);
        // A PUB line assembled in arg_buf_ must outlive it while the payload is read.
        if (state_ == State::kPayload && !arg_buf_.empty()) own_pub_args();
        arg_buf_.clear();
        if (!go_on) {
          r.consumed = i;
          return r;
        }
        break;
      }

      case State::kPayload: {
        const size_t need = size_t(pub_.total_len) + 2;  // payload and its CRLF
        if (msg_buf_.empty() && len - i >= need) {
          if (data[i + need - 2] != '\r' || data[i + need - 1] != '\n') goto unknown_op;
          std::string_view msg(data + i, size_t(pub_.total_len));
          i += need;
          state_ = State::kStart;
          pub_owned_ = false;
          if (!h.on_msg(pub_, msg)) {
            r.status = ParseStatus::kStopped;
            r.consumed = i;
            return r;
          }
          break;
        }
        if (msg_buf_.empty()) {
          msg_buf_.reserve(need);
          // The PUB line may be in the caller's buffer, which goes away after this call.
          if (!pub_owned_) own_pub_args();
        }
        size_t take = std::min(need - msg_buf_.size(), len - i);
        msg_buf_.append(data + i, take);
        i += take;
        if (msg_buf_.size() < need) break;
        if (msg_buf_[need - 2] != '\r' || msg_buf_[need - 1] != '\n') {
          msg_buf_.clear();
          pub_owned_ = false;
          state_ = State::kStart;
          goto unknown_op;
        }
        state_ = State::kStart;
        bool go_on = h.on_msg(pub_, std::string_view(msg_buf_.data(), size_t(pub_.total_len)));
        msg_buf_.clear();
        pub_owned_ = false;
        if (!go_on) {
          r.status = ParseStatus::kStopped;
          r.consumed = i;
          return r;
        }
        break;
      }

      // PING, PONG and +OK ignore anything up to the end of the line.
      case State::kPing:
      case State::kPong:
      case State::kPlusOk: {
        const char* nl = static_cast<const char*>(std::memchr(data + i, '\n', len - i));
        if (nl == nullptr) {
          i = len;
          break;
        }
        i = size_t(nl - data) + 1;
        const State s = state_;
        state_ = State::kStart;
        bool go_on = s == State::kPing ? h.on_ping() : s == State::kPong ? h.on_pong() : true;
        if (!go_on) {
          r.status = ParseStatus::kStopped;
          r.consumed = i;
          return r;
        }
        break;
      }
    }
  }
#undef NATS_OP_LETTER
  // A PUB line whose payload has not started yet still points into the caller's buffer.
  if (state_ == State::kPayload && !pub_owned_) own_pub_args();
  r.consumed = i;
  return r;

unknown_op:
  state_ = State::kStart;
  arg_buf_.clear();
  msg_buf_.clear();
  pub_owned_ = false;
  r.status = ParseStatus::kUnknownOp;
  r.consumed = i;
  return r;

max_control_line:
  state_ = State::kStart;
  arg_buf_.clear();
  r.status = ParseStatus::kMaxControlLine;
  r.consumed = i;
  return r;
}

}  // namespace nats::proto
