// Test main for the nats.c interop tests: releases the library's global threads at exit so a
// stuck client thread shows up as a timeout here rather than as a hang.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  // A --gtest_filter that matches nothing (a renamed test) must not pass silently.
  if (rc == 0 && ::testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
    fprintf(stderr, "interop_c_test: no test matched the filter\n");
    rc = 1;
  }
  nats_CloseAndWait(10000);  // ms
  return rc;
}
