// The api layer without a socket: routing, DTO validation, error envelope, CORS (contract §2, §4, §6.1, §8).
#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "fixture.hpp"
#include "signet/api/handler.hpp"

namespace signet::api {
namespace {

namespace json = boost::json;

struct harness {
  testing::sqlite_fixture db;
  testing::fixed_clock clock;
  testing::counter_random rng;
  service::tenant_directory tenants{db.db->ports().tenants, clock};
  service::access_control access{tenants, db.ports(), clock};
  service::token_issuer tokens{"http://t/v1", clock, rng};
  service::passkey_service passkeys{db.ports(), tokens, clock, rng};
  service::server_api_service server{db.ports(), access, tokens, clock, rng};
  context ctx{tenants, access, passkeys, server};

  harness() {
    auto t = testing::make_tenant("tenant-a", "sk_a");
    t.cors_origins = {"https://app.example.com"};
    db.db->create_tenant(t);
  }

  response call(http::verb method, std::string target, std::string body = "", std::string auth = "",
                std::string origin = "") {
    request req{method, target, 11};
    if (!auth.empty()) req.set(http::field::authorization, auth);
    if (!origin.empty()) req.set(http::field::origin, origin);
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    return handle(req, ctx, request_info{"127.0.0.1"});
  }
  static std::string server_auth() { return "Basic " + core::base64_encode(core::as_bytes("sk_a:")); }
  std::string token(const std::string& user = "u1") {
    auto r = call(http::verb::post, "/v1/users/" + user + "/actions/signUp", "{}", server_auth());
    EXPECT_EQ(r.result(), http::status::ok) << r.body();
    return std::string(json::parse(r.body()).as_object().at("token").as_string());
  }
  response c1(const std::string& body, const std::string& tok) {
    return call(http::verb::post, "/v1/client/user-authenticators/passkey/registration-options", body,
                "Bearer " + tok);
  }
};

json::object body_of(const response& r) { return json::parse(r.body()).as_object(); }

void expect_error(const response& r, http::status status, std::string_view error, std::string_view code) {
  EXPECT_EQ(r.result(), status) << r.body();
  EXPECT_EQ(r[http::field::content_type], "application/json");
  auto b = body_of(r);
  EXPECT_EQ(b.at("error").as_string(), error) << r.body();
  EXPECT_EQ(b.at("errorCode").as_string(), code) << r.body();
  EXPECT_TRUE(b.at("errorDescription").is_string());
}

TEST(api, unknown_routes_and_methods_are_json_404) {
  harness h;
  expect_error(h.call(http::verb::get, "/nope"), http::status::not_found, "not_found", "not_found");
  expect_error(h.call(http::verb::get, "/v1/client/user-authenticators/passkey/registration-options"),
               http::status::not_found, "not_found", "not_found");
  expect_error(h.call(http::verb::post, "/v1/challenge", "{}", h.server_auth()), http::status::not_found,
               "not_found", "not_found");
}

TEST(api, c1_success_shape) {
  harness h;
  auto r = h.c1(R"({"username":"jane@example.com","authenticatorAttachment":"platform"})", h.token());
  ASSERT_EQ(r.result(), http::status::ok) << r.body();
  EXPECT_EQ(r[http::field::content_type], "application/json");
  auto b = body_of(r);
  EXPECT_FALSE(b.contains("error"));
  auto o = b.at("options").as_object();
  EXPECT_EQ(core::base64url_decode(o.at("challenge").as_string())->size(), 32u);
  EXPECT_EQ(o.at("challenge").as_string().find('='), json::string::npos);
  EXPECT_EQ(o.at("rp").as_object().at("id").as_string(), "example.com");
  EXPECT_EQ(o.at("user").as_object().at("name").as_string(), "jane@example.com");
  EXPECT_EQ(o.at("user").as_object().at("displayName").as_string(), "jane@example.com");
  EXPECT_EQ(o.at("timeout").as_int64(), 300000);
  EXPECT_EQ(o.at("attestation").as_string(), "none");
  EXPECT_TRUE(o.at("excludeCredentials").as_array().empty());
  auto sel = o.at("authenticatorSelection").as_object();
  EXPECT_EQ(sel.at("authenticatorAttachment").as_string(), "platform");
  EXPECT_EQ(sel.at("residentKey").as_string(), "required");
  EXPECT_EQ(sel.at("requireResidentKey").as_bool(), true);
  EXPECT_EQ(o.at("extensions").as_object().at("credProps").as_bool(), true);
  EXPECT_FALSE(o.contains("hints"));
  for (const auto& p : o.at("pubKeyCredParams").as_array())
    EXPECT_EQ(p.as_object().at("type").as_string(), "public-key");
}

TEST(api, c1_null_attachment_means_no_preference_and_web_alias_works) {
  harness h;
  auto r = h.call(http::verb::post, "/v1//client/user-authenticators/passkey/registration-options/web",
                  R"({"authenticatorAttachment":null})", "Bearer " + h.token());
  ASSERT_EQ(r.result(), http::status::ok) << r.body();
  EXPECT_FALSE(body_of(r).at("options").as_object().at("authenticatorSelection").as_object().contains(
      "authenticatorAttachment"));
}

TEST(api, c1_invalid_requests) {
  harness h;
  const auto tok = h.token();
  for (const char* body : {"[1]", "\"x\"", "{bad json", R"({"username":5})", R"({"displayName":true})",
                           R"({"securePaymentConfirmation":"yes"})", R"({"authenticatorAttachment":"usb"})",
                           R"({"authenticatorAttachment":7})"}) {
    SCOPED_TRACE(body);
    expect_error(h.c1(body, tok), http::status::bad_request, "invalid_request", "invalid_request");
  }
  const std::string long_name(257, 'a');
  expect_error(h.c1(R"({"username":")" + long_name + "\"}", tok), http::status::bad_request, "invalid_request",
               "invalid_request");
  // 256 characters (multi-byte) is still fine.
  std::string ok_name;
  for (int i = 0; i < 256; ++i) ok_name += "é";
  EXPECT_EQ(h.c1(R"({"username":")" + ok_name + "\"}", tok).result(), http::status::ok);
  EXPECT_EQ(h.c1("", tok).result(), http::status::ok);  // empty body is {}
}

TEST(api, c1_auth_failures) {
  harness h;
  const std::string path = "/v1/client/user-authenticators/passkey/registration-options";
  expect_error(h.call(http::verb::post, path, "{}"), http::status::unauthorized, "unauthorized", "unauthorized");
  expect_error(h.call(http::verb::post, path, "{}", "Basic " + core::base64_encode(core::as_bytes("tenant-a"))),
               http::status::unauthorized, "unauthorized", "unauthorized");
  expect_error(h.call(http::verb::post, path, "{}", "Bearer x.y.z"), http::status::unauthorized, "unauthorized",
               "invalid_token");
  const auto tok = h.token();
  h.clock.advance(std::chrono::minutes(11));
  expect_error(h.c1("{}", tok), http::status::unauthorized, "unauthorized", "expired_token");
}

TEST(api, c1_not_found_after_user_deleted) {
  harness h;
  const auto tok = h.token("gone");
  EXPECT_EQ(h.call(http::verb::delete_, "/v1/users/gone", "", h.server_auth()).result(), http::status::ok);
  expect_error(h.c1("{}", tok), http::status::not_found, "not_found", "not_found");
}

TEST(api, auth_is_checked_before_the_body) {
  harness h;
  expect_error(h.call(http::verb::post, "/v1/client/user-authenticators/passkey/registration-options", "{bad"),
               http::status::unauthorized, "unauthorized", "unauthorized");
}

TEST(api, percent_decoded_path_parameters) {
  harness h;
  h.token("a@b.com");
  auto r = h.call(http::verb::get, "/v1/users/a%40b.com", "", h.server_auth());
  ASSERT_EQ(r.result(), http::status::ok);
  auto patched = h.call(http::verb::patch, "/v1//users/a%40b.com", R"({"username":"ab"})", h.server_auth());
  EXPECT_EQ(body_of(patched).at("username").as_string(), "ab");
  EXPECT_EQ(body_of(h.call(http::verb::get, "/v1/users/a@b.com", "", h.server_auth())).at("username").as_string(),
            "ab");
}

TEST(api, validate_errors_carry_is_valid_false) {
  harness h;
  auto r = h.call(http::verb::post, "/v1/validate", R"({"token":"garbage"})", h.server_auth());
  expect_error(r, http::status::bad_request, "invalid_request", "invalid_token");
  EXPECT_EQ(body_of(r).at("isValid").as_bool(), false);
  r = h.call(http::verb::post, "/v1/validate", "{}", h.server_auth());
  expect_error(r, http::status::bad_request, "invalid_request", "invalid_request");
  const auto tok = h.token();
  r = h.call(http::verb::post, "/v1/validate", R"({"token":")" + tok + "\"}", h.server_auth());
  ASSERT_EQ(r.result(), http::status::ok);
  auto b = body_of(r);
  EXPECT_EQ(b.at("isValid").as_bool(), false);
  EXPECT_EQ(b.at("actionCode").as_string(), "signUp");
  EXPECT_EQ(b.at("action").as_string(), "signUp");
  EXPECT_TRUE(b.at("stateUpdatedAt").is_string());
}

TEST(api, server_api_requires_secret_key) {
  harness h;
  expect_error(h.call(http::verb::get, "/v1/users/u"), http::status::unauthorized, "unauthorized", "unauthorized");
  expect_error(h.call(http::verb::get, "/v1/users/u", "", "Basic " + core::base64_encode(core::as_bytes("sk_x:"))),
               http::status::unauthorized, "unauthorized", "unauthorized");
}

TEST(api, user_lifecycle_shapes) {
  harness h;
  auto r = h.call(http::verb::get, "/v1/users/nobody", "", h.server_auth());
  ASSERT_EQ(r.result(), http::status::ok);
  auto b = body_of(r);
  EXPECT_EQ(b.at("isEnrolled").as_bool(), false);
  EXPECT_TRUE(b.at("enrolledVerificationMethods").as_array().empty());
  EXPECT_EQ(json::serialize(b.at("allowedVerificationMethods")), R"(["PASSKEY","SECURITY_KEY"])");
  r = h.call(http::verb::patch, "/v1/users/nobody", R"({"email":"n@x.com","custom":{"tier":"gold","n":1}})",
             h.server_auth());
  ASSERT_EQ(r.result(), http::status::ok);
  EXPECT_EQ(body_of(r).at("custom").as_object().at("tier").as_string(), "gold");
  r = h.call(http::verb::patch, "/v1/users/nobody", R"({"email":null})", h.server_auth());
  EXPECT_FALSE(body_of(r).contains("email"));
  expect_error(h.call(http::verb::patch, "/v1/users/nobody", R"({"custom":{"x":[1]}})", h.server_auth()),
               http::status::bad_request, "invalid_request", "invalid_request");
  r = h.call(http::verb::delete_, "/v1/users/nobody", "", h.server_auth());
  EXPECT_EQ(body_of(r).at("success").as_bool(), true);
  r = h.call(http::verb::delete_, "/v1/users/never-existed", "", h.server_auth());
  EXPECT_EQ(r.result(), http::status::ok);
}

TEST(api, cors_only_for_client_paths_and_known_origins) {
  harness h;
  auto pre = h.call(http::verb::options, "/v1/client/user-authenticators/passkey/registration-options", "", "",
                    "https://app.example.com");
  EXPECT_EQ(pre.result(), http::status::no_content);
  EXPECT_TRUE(pre.body().empty());
  EXPECT_EQ(pre[http::field::access_control_allow_origin], "https://app.example.com");
  EXPECT_EQ(pre[http::field::access_control_allow_credentials], "true");
  EXPECT_EQ(pre[http::field::access_control_max_age], "600");
  EXPECT_NE(pre[http::field::access_control_allow_headers].find("Authorization"), std::string::npos);
  auto foreign = h.call(http::verb::options, "/v1/client/x", "", "", "https://evil.example");
  EXPECT_EQ(foreign.count(http::field::access_control_allow_origin), 0u);
  auto err = h.call(http::verb::post, "/v1/client/user-authenticators/passkey/registration-options", "{}", "",
                    "https://app.example.com");
  EXPECT_EQ(err[http::field::access_control_allow_origin], "https://app.example.com");
  auto server = h.call(http::verb::get, "/v1/users/u", "", h.server_auth(), "https://app.example.com");
  EXPECT_EQ(server.count(http::field::access_control_allow_origin), 0u);
}

TEST(api, enroll_verified_authenticator_is_refused) {
  harness h;
  expect_error(h.call(http::verb::post, "/v1/users/u/authenticators", R"({"verificationMethod":"PASSKEY"})",
                      h.server_auth()),
               http::status::bad_request, "invalid_request", "invalid_request");
}

}  // namespace
}  // namespace signet::api
