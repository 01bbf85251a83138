// openssl_random: small requests come from a per-thread block of RAND_bytes output (env.cpp), larger
// ones straight from RAND_bytes. Every size is filled, no bytes are ever handed out twice (within a
// thread, across block refills, or between threads), and the ids built on it keep their format.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "signet/service/env.hpp"

namespace signet::service {
namespace {

TEST(openssl_random, every_size_is_filled_and_no_output_repeats) {
  openssl_random rng;
  std::set<core::bytes> seen;
  // 16-byte draws well past several 1 KiB blocks: all distinct (2^-128 per pair otherwise).
  for (int i = 0; i < 5000; ++i) {
    core::bytes b(16);
    rng.fill(b);
    EXPECT_TRUE(seen.insert(b).second) << i;
  }
  // Sizes around the block's per-request limit and above it; a 64-byte draw that crosses a refill.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{33}, std::size_t{63}, std::size_t{64},
                        std::size_t{65}, std::size_t{1000}, std::size_t{5000}}) {
    core::bytes a(n, 0), b(n, 0);
    rng.fill(a);
    rng.fill(b);
    if (n >= 16) {
      EXPECT_NE(a, b) << n;
      EXPECT_NE(a, core::bytes(n, 0)) << n;
    }
  }
}

// After a fork, the child does not hand out the bytes the parent will: the block filled before the
// fork is in both processes, and the child refills its own.
TEST(openssl_random, a_forked_child_does_not_repeat_the_parents_bytes) {
  openssl_random rng;
  core::bytes first(16);
  rng.fill(first);  // the block is filled and has bytes left
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    core::bytes b(16);
    rng.fill(b);
    const bool ok = write(fds[1], b.data(), b.size()) == static_cast<ssize_t>(b.size());
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  core::bytes parent(16), child(16);
  rng.fill(parent);
  ASSERT_EQ(read(fds[0], child.data(), child.size()), static_cast<ssize_t>(child.size()));
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_NE(parent, child);
}

TEST(openssl_random, threads_never_get_the_same_bytes) {
  openssl_random rng;
  std::mutex mu;
  std::set<core::bytes> seen;
  int repeats = 0;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      std::vector<core::bytes> mine;
      for (int i = 0; i < 2000; ++i) {
        core::bytes b(24);
        rng.fill(b);
        mine.push_back(std::move(b));
      }
      std::lock_guard lk(mu);
      for (auto& b : mine)
        if (!seen.insert(std::move(b)).second) ++repeats;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(repeats, 0);
  EXPECT_EQ(seen.size(), 8000u);
}

TEST(openssl_random, ids_keep_their_format) {
  openssl_random rng;
  for (int i = 0; i < 300; ++i) {
    const std::string id = uuid_v4(rng);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4');
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}

}  // namespace
}  // namespace signet::service
