// The OpenSSL random source: small requests come from a per-thread block of DRBG output, large ones
// straight from RAND_bytes; either way no output repeats, within a thread or across threads.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "signet/service/env.hpp"

namespace signet::service {
namespace {

std::vector<core::byte> draw(openssl_random& rng, std::size_t n) {
  std::vector<core::byte> b(n, 0);
  rng.fill(b);
  return b;
}

TEST(openssl_random, no_draw_repeats_across_block_refills_and_sizes) {
  openssl_random rng;
  std::set<std::vector<core::byte>> seen;
  // 16- and 32-byte draws cross many 512-byte block boundaries; 65+ bytes bypass the block.
  for (int i = 0; i < 4000; ++i)
    for (std::size_t n : {16u, 32u, 7u, 64u, 65u, 600u}) {
      auto b = draw(rng, n);
      ASSERT_EQ(b.size(), n);
      EXPECT_TRUE(seen.insert(b).second) << "a " << n << "-byte draw repeated";
    }
  EXPECT_TRUE(draw(rng, 0).empty());
}

TEST(openssl_random, threads_draw_distinct_bytes) {
  std::vector<std::vector<std::vector<core::byte>>> per_thread(4);
  std::vector<std::thread> ts;
  for (std::size_t t = 0; t < per_thread.size(); ++t)
    ts.emplace_back([&, t] {
      openssl_random rng;
      for (int i = 0; i < 2000; ++i) per_thread[t].push_back(draw(rng, 32));
    });
  for (auto& t : ts) t.join();
  std::set<std::vector<core::byte>> seen;
  for (const auto& draws : per_thread)
    for (const auto& d : draws) EXPECT_TRUE(seen.insert(d).second);
  // Not all zero, and the bytes spread over their range (a broken copy would show up here).
  std::array<int, 256> counts{};
  for (const auto& draws : per_thread)
    for (const auto& d : draws)
      for (auto byte : d) ++counts[byte];
  for (int c : counts) EXPECT_GT(c, 0);
}

}  // namespace
}  // namespace signet::service
