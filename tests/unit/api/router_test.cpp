// The router's target split: plain paths are split directly, everything else through Boost.URL, with
// the same segments either way.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "router.hpp"

namespace signet::api {
namespace {

using segments = std::vector<std::string>;

TEST(router, a_plain_path_splits_into_its_non_empty_segments) {
  EXPECT_EQ(path_segments("/v1/client/user-authenticators/passkey/registration-options"),
            (segments{"v1", "client", "user-authenticators", "passkey", "registration-options"}));
  EXPECT_EQ(path_segments("/v1//users/"), (segments{"v1", "users"}));
  EXPECT_EQ(path_segments("/"), segments{});
  EXPECT_EQ(path_segments("/a.b/~c_d/../E-9"), (segments{"a.b", "~c_d", "..", "E-9"}));  // not normalised
}

TEST(router, encoded_segments_and_queries_go_through_the_url_parser) {
  EXPECT_EQ(path_segments("/v1/users/a%20b"), (segments{"v1", "users", "a b"}));
  EXPECT_EQ(path_segments("/v1/users/a%2Fb/authenticators"), (segments{"v1", "users", "a/b", "authenticators"}));
  EXPECT_EQ(path_segments("/v1/users?limit=10&x=%41"), (segments{"v1", "users"}));
  EXPECT_EQ(path_segments("/v1/users/user@example.com"), (segments{"v1", "users", "user@example.com"}));
}

TEST(router, a_target_that_is_not_an_origin_form_is_refused) {
  EXPECT_FALSE(path_segments("v1/users"));
  EXPECT_FALSE(path_segments(""));
  EXPECT_FALSE(path_segments("/v1/users/a%zz"));
  EXPECT_FALSE(path_segments("http://example.com/v1/users"));
  EXPECT_FALSE(path_segments("/v1/us ers"));
}

}  // namespace
}  // namespace signet::api
