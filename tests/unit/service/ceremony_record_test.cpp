// The record a challenge keeps besides its columns: version 2 written, version 1 still read.
#include <gtest/gtest.h>

#include "ceremony_record.hpp"
#include "signet/core/ceremony.hpp"

using namespace signet::service::detail;

TEST(ceremony_record, version_2_round_trip_keeps_only_what_is_set) {
  ceremony_record r;
  r.ceremony = R"({"v":2,"k":"a","c":"AAAA"})";
  r.bearer = true;
  const auto text = to_json(r);
  EXPECT_EQ(text, R"({"v":2,"c":{"v":2,"k":"a","c":"AAAA"},"b":true})");
  auto back = from_json(text);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->bearer);
  EXPECT_FALSE(back->spc);
  EXPECT_FALSE(back->amount);
  EXPECT_EQ(back->stored_ceremony.at("k").as_string(), "a");

  ceremony_record p;
  p.ceremony = "{}";
  p.spc = true;
  p.instrument_display_name = "Visa \"••1234\"";
  p.amount = "10.00";
  p.currency = "NZD";
  p.payee_name = "Shop";
  p.payee_origin = "https://shop.example";
  back = from_json(to_json(p));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->spc);
  EXPECT_FALSE(back->bearer);
  EXPECT_EQ(back->instrument_display_name, p.instrument_display_name);
  EXPECT_EQ(back->amount, p.amount);
  EXPECT_EQ(back->currency, p.currency);
  EXPECT_EQ(back->payee_name, p.payee_name);
  EXPECT_EQ(back->payee_origin, p.payee_origin);
}

TEST(ceremony_record, version_1_records_are_still_read) {
  // What 1a0e9d6 and earlier wrote: the ceremony as a string, long keys.
  auto r = from_json(
      R"({"ceremony":"{\"v\":1,\"kind\":\"authentication\"}","username":"u","displayName":"U",)"
      R"("userVerification":"required","securePaymentConfirmation":true,"instrumentDisplayName":"Card","bearer":true,)"
      R"("amount":"1.00","currency":"USD","payeeName":"P","payeeOrigin":"https://p.example"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stored_ceremony.at("kind").as_string(), "authentication");
  EXPECT_TRUE(r->spc);
  EXPECT_TRUE(r->bearer);
  EXPECT_EQ(r->instrument_display_name, "Card");
  EXPECT_EQ(r->amount, "1.00");
  EXPECT_EQ(r->payee_origin, "https://p.example");
}

TEST(ceremony_record, unreadable_records_are_refused) {
  for (const char* bad : {"", "[]", "{}", R"({"v":2})", R"({"v":2,"c":"{}"})", R"({"ceremony":{}})",
                          R"({"ceremony":"not json"})", R"({"ceremony":"[1]"})"})
    EXPECT_FALSE(from_json(bad)) << bad;
}

TEST(ceremony_record, a_row_written_by_1a0e9d6_restores_its_registration_ceremony) {
  // options_json of a C1 challenge row as 1a0e9d6 stored it (read back from its database).
  const char* row =
      R"({"ceremony":"{\"v\":1,\"kind\":\"registration\",\"challenge\":\"AaIoqt0maG2BTwa1XJbfQvX-sDLTOwqe7aYVhP160ls\",)"
      R"(\"rpId\":\"localhost\",\"userId\":\"KjMZr59b7qMKM03BLfNAuGM42LjLfFs8HjzoyBI4XSY\",\"userName\":\"seed@bench.example\",)"
      R"(\"userDisplayName\":\"seed@bench.example\",\"expiresAtMs\":1795978616102,\"uv\":\"preferred\",)"
      R"(\"algs\":[-8,-7,-35,-36,-19,-53,-37,-38,-39,-257,-258,-259],\"conditional\":false}",)"
      R"("username":"seed@bench.example","displayName":"seed@bench.example","userVerification":"preferred",)"
      R"("authenticatorAttachment":"platform","securePaymentConfirmation":false,"bearer":true})";
  auto rec = from_json(row);
  ASSERT_TRUE(rec);
  EXPECT_TRUE(rec->bearer);
  EXPECT_FALSE(rec->spc);
  auto c = signet::core::registration_ceremony::restore(rec->stored_ceremony);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->rp_id().value(), "localhost");
  EXPECT_EQ(c->user().name, "seed@bench.example");
  EXPECT_EQ(c->user().display_name, "seed@bench.example");
  EXPECT_EQ(c->user_verification(), signet::core::user_verification_requirement::preferred);
  EXPECT_EQ(c->algorithms().size(), 12u);
  EXPECT_EQ(c->challenge().to_base64url(), "AaIoqt0maG2BTwa1XJbfQvX-sDLTOwqe7aYVhP160ls");
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(c->expires_at().time_since_epoch()).count(),
            1795978616102);
}
