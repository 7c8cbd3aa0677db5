#include "net/out_buffer.h"

#include <gtest/gtest.h>

#include <string>

namespace nats::net {

std::string contents(const OutBuffer& b) {
  iovec iov[64];
  int n = b.gather(iov, 64);
  std::string s;
  for (int i = 0; i < n; ++i) s.append(static_cast<char*>(iov[i].iov_base), iov[i].iov_len);
  return s;
}

TEST(OutBuffer, AppendsPackSmallPartsIntoOneBlock) {
  OutBuffer b;
  for (int i = 0; i < 100; ++i) b.append("MSG x 1 2\r\nhi\r\n");
  iovec iov[8];
  EXPECT_EQ(b.gather(iov, 8), 1);
  EXPECT_EQ(b.size(), 1500u);
}

TEST(OutBuffer, LargePartGetsItsOwnBlockAndConsumeIsExact) {
  OutBuffer b;
  b.append("head");
  std::string big(100000, 'x');
  b.append(big);
  b.append("tail");
  EXPECT_EQ(contents(b), "head" + big + "tail");
  b.consume(10);
  EXPECT_EQ(contents(b), ("head" + big + "tail").substr(10));
  b.consume(b.size() - 2);
  EXPECT_EQ(contents(b), "il");
  b.consume(2);
  EXPECT_TRUE(b.empty());
}

TEST(OutBuffer, ReserveCommitAndSplice) {
  OutBuffer a, b;
  char* p = a.reserve(5);
  std::memcpy(p, "hello", 5);
  a.commit(5);
  b.append(" world");
  a.splice(b);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(contents(a), "hello world");
}

}  // namespace nats::net
