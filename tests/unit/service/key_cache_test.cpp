// public_key_cache (C4): hits return the key imported from exactly the same COSE bytes, keys that do
// not import are never cached, near-identical bytes never hit, the LRU bound evicts the least recent.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "signet/service/key_cache.hpp"
#include "soft_authenticator.hpp"

namespace signet::service {
namespace {

core::bytes fresh_key(std::int32_t alg = -7) { return test::soft_authenticator(alg).cose_public_key(); }

TEST(public_key_cache, miss_imports_then_hit_returns_the_same_key) {
  public_key_cache cache(8);
  const auto cose = fresh_key();
  auto first = cache.get(cose);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->cose(), cose);
  EXPECT_EQ(first->alg(), -7);
  EXPECT_EQ(cache.size(), 1u);
  const core::bytes copy = cose;  // other storage, same bytes
  auto second = cache.get(copy);
  EXPECT_EQ(second.get(), first.get());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(public_key_cache, a_key_that_does_not_import_is_never_cached) {
  public_key_cache cache(8);
  const core::bytes malformed{0xa1, 0x01, 0x02};  // {1: 2}: kty EC2 and nothing else
  EXPECT_FALSE(cache.get(malformed));
  EXPECT_FALSE(cache.get(malformed));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(public_key_cache, bytes_sharing_a_prefix_do_not_hit) {
  public_key_cache cache(8);
  const auto cose = fresh_key();
  auto a = cache.get(cose);
  ASSERT_TRUE(a);
  // Longer (trailing byte), shorter (truncated), last byte changed: none is the cached key.
  core::bytes longer = cose;
  longer.push_back(0x00);
  EXPECT_FALSE(cache.get(longer));
  const core::bytes shorter(cose.begin(), cose.end() - 1);
  EXPECT_FALSE(cache.get(shorter));
  core::bytes changed = cose;
  changed.back() ^= 0x01;
  auto c = cache.get(changed);  // almost certainly not a point on the curve; if it were, a different key
  if (c) {
    EXPECT_NE(c.get(), a.get());
    EXPECT_EQ(c->cose(), changed);
  }
  // A different valid key with the same COSE header bytes gets its own entry.
  const auto other = fresh_key();
  auto b = cache.get(other);
  ASSERT_TRUE(b);
  EXPECT_NE(b.get(), a.get());
  EXPECT_EQ(b->cose(), other);
  EXPECT_EQ(cache.get(cose).get(), a.get());
}

TEST(public_key_cache, least_recently_used_is_evicted) {
  public_key_cache cache(2);
  const auto ka = fresh_key(), kb = fresh_key(), kc = fresh_key(-8);
  auto a = cache.get(ka);
  auto b = cache.get(kb);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(cache.get(ka).get(), a.get());  // a is now the most recent
  auto c = cache.get(kc);
  ASSERT_TRUE(c);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.get(ka).get(), a.get());  // still cached
  EXPECT_EQ(cache.get(kc).get(), c.get());  // still cached
  auto b2 = cache.get(kb);                  // was evicted: imported again
  ASSERT_TRUE(b2);
  EXPECT_NE(b2.get(), b.get());
  EXPECT_EQ(b2->cose(), kb);
  EXPECT_EQ(cache.size(), 2u);
  // The evicted entry's key stays usable by whoever still holds it.
  EXPECT_EQ(b->cose(), kb);
}

TEST(public_key_cache, several_threads) {
  std::vector<core::bytes> keys;
  for (int i = 0; i < 6; ++i) keys.push_back(fresh_key());
  public_key_cache cache(4);  // smaller than the working set: hits, misses and evictions race
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < failures.size(); ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 100; ++round)
        for (std::size_t i = 0; i < keys.size(); ++i) {
          const auto& k = keys[(i + t) % keys.size()];
          auto got = cache.get(k);
          if (!got || got->cose() != k) ++failures[t];
        }
    });
  for (auto& th : threads) th.join();
  for (const int f : failures) EXPECT_EQ(f, 0);
  EXPECT_LE(cache.size(), 4u);
}

}  // namespace
}  // namespace signet::service
