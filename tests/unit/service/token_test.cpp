// Token issue/verify: tampering, alg confusion, expiry, wrong tenant key (contract §3.2, §3.4).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "signet/service/token.hpp"

namespace signet::service {
namespace {

namespace json = boost::json;

token_claims sample() {
  token_claims c;
  c.iss = "https://auth.example.com/v1";
  c.sub = "user-1";
  c.iat = 1'800'000'000;
  c.exp = c.iat + 600;
  c.jti = "5b0a1f2e-0000-4000-8000-000000000001";
  c.scopes = {"read:authenticators", "add:authenticators"};
  c.tenant_id = "tenant-1";
  c.user_id = "user-1";
  c.action_code = "signUp";
  c.idempotency_key = "key-1";
  return c;
}

std::string b64(std::string_view s) { return core::base64url_encode(core::as_bytes(s)); }

/// Builds a token with arbitrary header and payload JSON, signed HS256 with `key`.
std::string craft(std::string_view header, std::string_view payload, std::string_view key) {
  std::string input = b64(header) + "." + b64(payload);
  return input + "." + core::base64url_encode(hmac_sha256(key, input));
}

std::string payload_of(const token_claims& c) {
  auto t = parse_token(sign_token(c, "k"));
  return json::serialize(t->payload);
}

TEST(token, round_trip_keeps_every_claim) {
  const auto c = sample();
  const std::string tok = sign_token(c, "sk_secret");
  auto p = parse_token(tok);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->claims.sub, "user-1");
  EXPECT_EQ(p->claims.exp - p->claims.iat, 600);
  EXPECT_EQ(p->claims.tenant_id, "tenant-1");
  EXPECT_EQ(p->claims.action_code, "signUp");
  EXPECT_EQ(p->claims.idempotency_key, "key-1");
  EXPECT_TRUE(p->claims.has_scope("add:authenticators"));
  EXPECT_FALSE(p->claims.has_scope("remove:authenticators"));
  EXPECT_EQ(p->payload.at("other").as_object().at("publishableKey").as_string(), "tenant-1");
  EXPECT_EQ(p->payload.at("scope").as_string(), "read:authenticators add:authenticators");
  const std::string keys[] = {"sk_secret"};
  EXPECT_TRUE(verify_token_signature(*p, keys));
}

TEST(token, header_is_hs256_jwt_without_padding) {
  const std::string tok = sign_token(sample(), "k");
  EXPECT_EQ(tok.find('='), std::string::npos);
  auto header = core::base64url_decode(tok.substr(0, tok.find('.')));
  ASSERT_TRUE(header);
  auto h = json::parse(core::as_chars(*header)).as_object();
  EXPECT_EQ(h.at("alg").as_string(), "HS256");
  EXPECT_EQ(h.at("typ").as_string(), "JWT");
}

TEST(token, wrong_key_fails_signature) {
  auto p = parse_token(sign_token(sample(), "sk_tenant_a"));
  ASSERT_TRUE(p);
  const std::string other[] = {"sk_tenant_b"};
  EXPECT_FALSE(verify_token_signature(*p, other));
  const std::string rotated[] = {"sk_tenant_b", "sk_tenant_a"};
  EXPECT_TRUE(verify_token_signature(*p, rotated));
}

TEST(token, tampered_payload_fails_signature) {
  const std::string tok = sign_token(sample(), "k");
  const auto d1 = tok.find('.'), d2 = tok.rfind('.');
  auto c = sample();
  c.user_id = c.sub = "attacker";
  std::string forged = tok.substr(0, d1) + "." + b64(payload_of(c)) + tok.substr(d2);
  auto p = parse_token(forged);
  ASSERT_TRUE(p);  // well-formed…
  const std::string keys[] = {"k"};
  EXPECT_FALSE(verify_token_signature(*p, keys));  // …but not signed by us
}

TEST(token, flipped_signature_bit_fails) {
  std::string tok = sign_token(sample(), "k");
  auto sig = *core::base64url_decode(tok.substr(tok.rfind('.') + 1));
  sig[5] ^= 1;
  tok = tok.substr(0, tok.rfind('.') + 1) + core::base64url_encode(sig);
  auto p = parse_token(tok);
  ASSERT_TRUE(p);
  const std::string keys[] = {"k"};
  EXPECT_FALSE(verify_token_signature(*p, keys));
}

TEST(token, alg_confusion_is_refused) {
  const std::string payload = payload_of(sample());
  for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS512","typ":"JWT"})",
                             R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"hs256","typ":"JWT"})",
                             R"({"typ":"JWT"})", R"({"alg":["HS256"]})"}) {
    EXPECT_FALSE(parse_token(craft(header, payload, "k"))) << header;
  }
  // "none" with an empty signature part, the classic form.
  EXPECT_FALSE(parse_token(b64(R"({"alg":"none"})") + "." + b64(payload) + "."));
  EXPECT_TRUE(parse_token(craft(R"({"alg":"HS256","typ":"JWT"})", payload, "k")));
}

TEST(token, malformed_tokens_are_refused) {
  const std::string good = sign_token(sample(), "k");
  for (std::string bad : {std::string(""), std::string("abc"), std::string("a.b"), good + ".x",
                          std::string("!!!.???.***"), good.substr(0, good.rfind('.'))}) {
    EXPECT_FALSE(parse_token(bad)) << bad;
  }
  // Payloads missing claims or with the wrong types.
  for (const char* payload : {R"({})", R"({"sub":"u","iat":1,"exp":"2","other":{}})",
                              R"({"sub":"u","iat":1,"exp":2,"other":{"tenantId":"t","userId":"v","actionCode":"a","idempotencyKey":"k"}})",
                              R"([1,2])"}) {
    EXPECT_FALSE(parse_token(craft(R"({"alg":"HS256"})", payload, "k"))) << payload;
  }
}

// The memo answers exactly as parse_token for the same bytes, every time: a token that differs in
// one character (a flipped signature, a forged payload) is parsed on its own, and its signature
// still fails; malformed tokens stay refused however often they come.
TEST(token, memo_gives_parse_tokens_answer_for_the_same_bytes_only) {
  const std::string tok = sign_token(sample(), "k");
  const std::string keys[] = {"k"};
  for (int i = 0; i < 3; ++i) {
    auto m = parse_token_memo(tok);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->claims.user_id, "user-1");
    EXPECT_EQ(m->signing_input, tok.substr(0, tok.rfind('.')));
    EXPECT_TRUE(verify_token_signature(*m, keys));
  }
  std::string flipped = tok;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  auto f = parse_token_memo(flipped);
  ASSERT_TRUE(f);
  EXPECT_FALSE(verify_token_signature(*f, keys));
  auto c = sample();
  c.user_id = c.sub = "attacker";
  const std::string forged = tok.substr(0, tok.find('.')) + "." + b64(payload_of(c)) + tok.substr(tok.rfind('.'));
  auto g = parse_token_memo(forged);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->claims.user_id, "attacker");
  EXPECT_FALSE(verify_token_signature(*g, keys));
  EXPECT_TRUE(verify_token_signature(*parse_token_memo(tok), keys));  // the original, still its own
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(parse_token_memo(tok + ".x"));
    EXPECT_FALSE(parse_token_memo(craft(R"({"alg":"none"})", payload_of(sample()), "k")));
  }
  // Past the memo's size: every token is still parsed right (the memo starts over).
  for (int i = 0; i < 1100; ++i) {
    auto ci = sample();
    ci.idempotency_key = "key-";
    ci.idempotency_key += std::to_string(i);
    auto p = parse_token_memo(sign_token(ci, "k"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->claims.idempotency_key, ci.idempotency_key);
  }
  EXPECT_EQ(parse_token_memo(tok)->claims.idempotency_key, "key-1");
}

TEST(token, expiry_allows_five_seconds_of_skew) {
  const auto c = sample();
  const auto at = [](std::int64_t s) { return time_point(std::chrono::seconds(s)); };
  EXPECT_FALSE(token_expired(c, at(c.iat)));
  EXPECT_FALSE(token_expired(c, at(c.exp - 1)));
  EXPECT_FALSE(token_expired(c, at(c.exp + 4)));
  EXPECT_TRUE(token_expired(c, at(c.exp + 5)));
  EXPECT_TRUE(token_expired(c, at(c.exp + 3600)));
}

TEST(token, hmac_matches_rfc4231_case_2) {
  const auto mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(core::hex_encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace signet::service
