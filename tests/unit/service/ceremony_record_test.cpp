// The record a challenge keeps besides its columns: version 2 written, version 1 still read.
#include <gtest/gtest.h>

#include "ceremony_record.hpp"

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
