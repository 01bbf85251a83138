// The C1/C8 and C3/C10 bodies, written directly as JSON text: each member where the SDKs read it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dto.hpp"

using namespace signet;

namespace {

service::creation_options creation() {
  service::creation_options o;
  o.challenge_id = "ch-1";
  o.challenge = core::challenge(core::bytes{1, 2, 3});
  o.rp_id = "example.com";
  o.rp_name = "Example \"Shop\"";
  o.user_id = core::user_handle(core::bytes{0xfb, 0xff});
  o.user_name = "alice@example.com";
  o.user_display_name = "Alice\nA.";
  o.algorithms = {-7, -257};
  o.timeout_ms = 600000;
  o.resident_key = "required";
  o.require_resident_key = true;
  o.user_verification = "preferred";
  return o;
}

}  // namespace

TEST(options_json, creation_options_with_challenge_id) {
  auto o = creation();
  o.exclude_credentials = {{core::credential_id(core::bytes{9}), {"internal", "hybrid"}},
                           {core::credential_id(core::bytes{8, 8}), {}}};
  EXPECT_EQ(api::dto::creation_options_json(o, false),
            R"({"challengeId":"ch-1","options":{"challenge":"AQID","rp":{"id":"example.com","name":"Example \"Shop\""},)"
            R"("user":{"id":"-_8","name":"alice@example.com","displayName":"Alice\nA."},)"
            R"("pubKeyCredParams":[{"type":"public-key","alg":-7},{"type":"public-key","alg":-257}],)"
            R"("timeout":600000,"attestation":"none",)"
            R"("excludeCredentials":[{"id":"CQ","type":"public-key","transports":["internal","hybrid"]},)"
            R"({"id":"CAg","type":"public-key"}],)"
            R"("authenticatorSelection":{"residentKey":"required","requireResidentKey":true,"userVerification":"preferred"},)"
            R"("extensions":{"credProps":true}}})");
}

TEST(options_json, creation_options_bare_with_attachment_and_payment) {
  auto o = creation();
  o.authenticator_attachment = "platform";
  o.user_verification = "required";
  o.payment = true;
  o.cred_props = false;
  o.resident_key = "discouraged";
  o.require_resident_key = false;
  const auto text = api::dto::creation_options_json(o, true);
  EXPECT_EQ(text,
            R"({"challenge":"AQID","rp":{"id":"example.com","name":"Example \"Shop\""},)"
            R"("user":{"id":"-_8","name":"alice@example.com","displayName":"Alice\nA."},)"
            R"("pubKeyCredParams":[{"type":"public-key","alg":-7},{"type":"public-key","alg":-257}],)"
            R"("timeout":600000,"attestation":"none","excludeCredentials":[],)"
            R"("authenticatorSelection":{"authenticatorAttachment":"platform","residentKey":"discouraged",)"
            R"("requireResidentKey":false,"userVerification":"required"},"extensions":{"payment":{"isPayment":true}}})");
  EXPECT_TRUE(boost::json::parse(text).is_object());
}

TEST(options_json, request_options_plain_bare_and_spc) {
  service::request_options o;
  o.challenge_id = "ch-2";
  o.challenge = core::challenge(core::bytes{4, 5, 6, 7});
  o.rp_id = "example.com";
  o.timeout_ms = 300000;
  o.user_verification = "required";
  o.allow_credentials = {{core::credential_id(core::bytes{1}), {"usb"}}};
  EXPECT_EQ(api::dto::request_options_json(o, false),
            R"({"challengeId":"ch-2","options":{"challenge":"BAUGBw","rpId":"example.com","timeout":300000,)"
            R"("userVerification":"required","allowCredentials":[{"id":"AQ","type":"public-key","transports":["usb"]}]}})");
  EXPECT_EQ(api::dto::request_options_json(o, true),
            R"({"challenge":"BAUGBw","rpId":"example.com","timeout":300000,)"
            R"("userVerification":"required","allowCredentials":[{"id":"AQ","type":"public-key","transports":["usb"]}]})");
  o.allow_credentials.clear();
  o.spc = true;
  o.payment_instruments = {{core::credential_id(core::bytes{2}), "Visa ••1234"}};
  o.payment = service::payment_details{"10.00", "NZD", std::nullopt, "https://shop.example"};
  const auto text = api::dto::request_options_json(o, false);
  EXPECT_EQ(text,
            R"({"challengeId":"ch-2","options":{"challenge":"BAUGBw","rpId":"example.com","timeout":300000,)"
            R"("userVerification":"required","allowCredentials":[]},)"
            R"("paymentInstruments":[{"credentialId":"Ag","displayName":"Visa ••1234"}],)"
            R"("payment":{"amount":"10.00","currency":"NZD","payeeOrigin":"https://shop.example"}})");
  EXPECT_EQ(boost::json::parse(text).at("paymentInstruments").at(0).at("displayName").as_string(), "Visa ••1234");
}
