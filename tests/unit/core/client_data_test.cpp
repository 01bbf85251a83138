#include <gtest/gtest.h>

#include "signet/core/client_data.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::code_of;

TEST(client_data, parses_members) {
  const std::string j = R"({"type":"webauthn.get","challenge":"abc","origin":"https://a.example","crossOrigin":false,"other":1})";
  auto c = core::parse_client_data(core::as_bytes(j));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->type, "webauthn.get");
  EXPECT_EQ(c->challenge, "abc");
  EXPECT_EQ(c->origin, "https://a.example");
  EXPECT_FALSE(c->cross_origin);
}

TEST(client_data, malformed_inputs) {
  for (const char* j : {"", "[]", "{", R"({"type":"webauthn.get","challenge":"a"})",
                        R"({"type":1,"challenge":"a","origin":"o"})",
                        R"({"type":"webauthn.get","challenge":"a","origin":"o","crossOrigin":"yes"})",
                        R"({"type":"webauthn.get","challenge":"a","origin":"o","topOrigin":5})",
                        "{\"type\":\"webauthn.get\",\"challenge\":\"a\",\"origin\":\"\xff\"}"}) {
    EXPECT_EQ(code_of(core::parse_client_data(core::as_bytes(j))), errc::client_data_malformed) << j;
  }
}

struct origin_case {
  const char* actual;
  const char* expected;
  bool subdomains;
  bool any_port;
  bool match;
};

TEST(client_data, origin_matching_table) {
  const origin_case cases[] = {
      {"https://example.com", "https://example.com", false, false, true},
      {"https://example.com:443", "https://example.com", false, false, false},
      {"http://example.com", "https://example.com", true, true, false},
      {"https://login.example.com", "https://example.com", false, false, false},
      {"https://login.example.com", "https://example.com", true, false, true},
      {"https://a.b.example.com", "https://example.com", true, false, true},
      {"https://evilexample.com", "https://example.com", true, false, false},
      {"https://example.com.evil", "https://example.com", true, false, false},
      {"https://example.com:8443", "https://example.com", false, true, true},
      {"https://example.com:8443", "https://example.com:443", false, true, true},
      {"https://login.example.com:8443", "https://example.com", true, false, false},
      {"https://login.example.com:8443", "https://example.com", true, true, true},
      {"https://example.com/path", "https://example.com", true, true, false},
      {"android:apk-key-hash:abc", "android:apk-key-hash:abc", false, false, true},
  };
  for (const auto& c : cases) {
    core::policy p;
    p.allow_subdomain_origins = c.subdomains;
    p.allow_any_port = c.any_port;
    EXPECT_EQ(core::origin_matches(c.actual, c.expected, p), c.match) << c.actual << " vs " << c.expected;
  }
}

struct check_case {
  const char* name;
  core::client_data data;
  bool allow_cross_origin;
  std::vector<std::string> top_origins;
  errc expected;
};

TEST(client_data, checks_in_order_with_exact_codes) {
  const std::vector<std::string> origins{"https://example.com"};
  auto cd = [](std::string type, std::string chal, std::string origin, bool cross = false,
               std::optional<std::string> top = std::nullopt) {
    return core::client_data{std::move(type), std::move(chal), std::move(origin), cross, std::move(top)};
  };
  const check_case cases[] = {
      {"ok", cd("webauthn.get", "Y2hhbA", "https://example.com"), false, {}, errc::ok},
      {"type", cd("webauthn.create", "Y2hhbA", "https://example.com"), false, {}, errc::client_data_type_mismatch},
      {"challenge", cd("webauthn.get", "Y2hhbB", "https://example.com"), false, {}, errc::client_data_challenge_mismatch},
      {"challenge_prefix", cd("webauthn.get", "Y2hh", "https://example.com"), false, {}, errc::client_data_challenge_mismatch},
      {"challenge_padded", cd("webauthn.get", "Y2hhbA==", "https://example.com"), false, {}, errc::ok},
      {"challenge_empty", cd("webauthn.get", "", "https://example.com"), false, {}, errc::client_data_challenge_mismatch},
      {"origin", cd("webauthn.get", "Y2hhbA", "https://evil.com"), false, {}, errc::client_data_origin_mismatch},
      {"cross_origin", cd("webauthn.get", "Y2hhbA", "https://example.com", true), false, {},
       errc::client_data_cross_origin_not_allowed},
      {"cross_origin_allowed", cd("webauthn.get", "Y2hhbA", "https://example.com", true), true, {}, errc::ok},
      {"top_origin_without_allow", cd("webauthn.get", "Y2hhbA", "https://example.com", true, "https://top.com"), false,
       {}, errc::client_data_cross_origin_not_allowed},
      {"top_origin_listed", cd("webauthn.get", "Y2hhbA", "https://example.com", true, "https://top.com"), true,
       {"https://top.com"}, errc::ok},
      {"top_origin_unlisted", cd("webauthn.get", "Y2hhbA", "https://example.com", true, "https://other.com"), true,
       {"https://top.com"}, errc::client_data_top_origin_mismatch},
  };
  for (const auto& c : cases) {
    core::policy p;
    p.allow_cross_origin = c.allow_cross_origin;
    p.expected_top_origins = c.top_origins;
    core::client_data_expectations e{"webauthn.get", "Y2hhbA", origins, &p};
    EXPECT_EQ(code_of(core::check_client_data(c.data, e)), c.expected) << c.name;
  }
}
