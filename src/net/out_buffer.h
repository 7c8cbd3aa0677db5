#pragma once
// A connection's outbound bytes as a chain of blocks, written to the socket with one writev.
// Small messages are packed into shared blocks (kBlockSize) so a burst of tiny MSGs becomes a
// few large iovecs; a part larger than a block gets a block of its own size.
// Not thread-safe: the owning connection serialises access.

#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace nats::net {

class OutBuffer {
 public:
  static constexpr size_t kBlockSize = 32 * 1024;  // bytes; big enough to amortise writev

  OutBuffer() = default;
  OutBuffer(OutBuffer&&) = default;
  OutBuffer& operator=(OutBuffer&&) = default;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Appends bytes, growing the chain as needed.
  void append(std::string_view data) {
    if (data.empty()) return;
    size_ += data.size();
    if (!blocks_.empty()) {
      Block& tail = blocks_.back();
      size_t room = tail.cap - tail.end;
      size_t n = room < data.size() ? room : data.size();
      std::memcpy(tail.data.get() + tail.end, data.data(), n);
      tail.end += n;
      data.remove_prefix(n);
      if (data.empty()) return;
    }
    size_t cap = data.size() > kBlockSize ? data.size() : kBlockSize;
    Block& b = blocks_.emplace_back(cap);
    std::memcpy(b.data.get(), data.data(), data.size());
    b.end = data.size();
  }

  // Reserves n contiguous bytes at the tail and returns where to write them; commit() with the
  // number actually written. Lets the MSG line be formatted in place.
  char* reserve(size_t n) {
    if (blocks_.empty() || blocks_.back().cap - blocks_.back().end < n) {
      blocks_.emplace_back(n > kBlockSize ? n : kBlockSize);
    }
    Block& tail = blocks_.back();
    return tail.data.get() + tail.end;
  }
  void commit(size_t n) {
    blocks_.back().end += n;
    size_ += n;
  }

  // Fills up to max iovecs with the unsent bytes; returns how many were filled.
  int gather(iovec* iov, int max) const {
    int n = 0;
    for (const Block& b : blocks_) {
      if (n == max) break;
      iov[n].iov_base = b.data.get() + b.begin;
      iov[n].iov_len = b.end - b.begin;
      ++n;
    }
    return n;
  }

  // Drops n bytes from the front after they were written.
  void consume(size_t n) {
    size_ -= n;
    // Drop the fully written blocks with one erase: a slow consumer's backlog can be thousands
    // of blocks long, and erasing them one at a time would move the rest each time.
    size_t done = 0;
    while (n > 0) {
      Block& b = blocks_[done];
      const size_t avail = b.end - b.begin;
      if (n < avail) {
        b.begin += n;
        break;
      }
      n -= avail;
      ++done;
    }
    blocks_.erase(blocks_.begin(), blocks_.begin() + std::ptrdiff_t(done));
  }

  // Moves all of other's bytes to the end of this chain.
  void splice(OutBuffer& other) {
    if (blocks_.empty()) {
      blocks_.swap(other.blocks_);
    } else {
      for (Block& b : other.blocks_) blocks_.push_back(std::move(b));
      other.blocks_.clear();
    }
    size_ += other.size_;
    other.size_ = 0;
  }

  void clear() {
    std::vector<Block>().swap(blocks_);
    size_ = 0;
  }

 private:
  struct Block {
    explicit Block(size_t c) : data(new char[c]), cap(c) {}
    std::unique_ptr<char[]> data;
    size_t cap;
    size_t begin = 0;  // first unsent byte
    size_t end = 0;    // one past the last written byte
  };
  // A vector, not a deque: an empty std::deque allocates ~600 bytes, which idle connections
  // can't afford. Chains are short (a few blocks), so erasing at the front is cheap.
  std::vector<Block> blocks_;
  size_t size_ = 0;
};

}  // namespace nats::net
