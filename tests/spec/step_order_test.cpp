// WebAuthn L3 §7.1 and §7.2 number their checks; finish_* must run them in that order. Each row
// breaks an earlier and a later step at once; the earlier step's code must be the one returned.
#include <gtest/gtest.h>

#include <functional>

#include "signet/core/ceremony.hpp"
#include "soft_authenticator.hpp"

using namespace signet;
using core::errc;

namespace {

const std::string k_challenge = core::base64url_encode(core::as_bytes("spec step order challenge"));
const std::vector<std::string> k_origins{"https://example.com"};

errc code(const boost::system::error_code& ec) { return static_cast<errc>(ec.value()); }

errc register_with(const std::function<void(test::registration_knobs&)>& change) {
  static test::soft_authenticator a;
  test::registration_knobs k;
  k.challenge = k_challenge;
  k.mode = test::attestation_mode::packed_self;
  change(k);
  auto minted = a.make_registration(k);
  core::policy p;
  core::registration_expectations e;
  e.challenge = k_challenge;
  e.origins = k_origins;
  e.rp_id = "example.com";
  e.policy = &p;
  auto r = core::verify_registration(minted.response, e);
  return r ? errc::ok : code(r.error());
}

errc authenticate_with(const std::function<void(test::assertion_knobs&, core::stored_credential&)>& change) {
  static test::soft_authenticator a = [] {
    test::soft_authenticator x;
    test::registration_knobs k;
    k.challenge = k_challenge;
    x.make_registration(k);
    return x;
  }();
  test::assertion_knobs k;
  k.challenge = k_challenge;
  k.sign_count = 10;
  k.user_handle = core::bytes{1};
  core::stored_credential cred{core::credential_id(a.credential_id()), a.cose_public_key(), 5,
                               core::user_handle(core::bytes{1}), false};
  change(k, cred);
  auto minted = a.make_assertion(k);
  core::policy p;
  core::authentication_expectations e;
  e.challenge = k_challenge;
  e.origins = k_origins;
  e.rp_id = "example.com";
  e.credential = &cred;
  e.policy = &p;
  auto r = core::verify_authentication(minted.response, e);
  return r ? errc::ok : code(r.error());
}

}  // namespace

TEST(spec_7_1, valid_baseline) { EXPECT_EQ(register_with([](auto&) {}), errc::ok); }

TEST(spec_7_1, step_7_type_before_step_8_challenge) {
  EXPECT_EQ(register_with([](auto& k) {
              k.type = "webauthn.get";
              k.challenge = "AAAA";
            }),
            errc::client_data_type_mismatch);
}

TEST(spec_7_1, step_8_challenge_before_step_9_origin) {
  EXPECT_EQ(register_with([](auto& k) {
              k.challenge = "AAAA";
              k.origin = "https://evil.example";
            }),
            errc::client_data_challenge_mismatch);
}

TEST(spec_7_1, step_9_origin_before_step_14_rp_id_hash) {
  EXPECT_EQ(register_with([](auto& k) {
              k.origin = "https://evil.example";
              k.rp_id = "evil.example";
            }),
            errc::client_data_origin_mismatch);
}

TEST(spec_7_1, step_14_rp_id_hash_before_step_15_user_present) {
  EXPECT_EQ(register_with([](auto& k) {
              k.rp_id = "evil.example";
              k.flags = core::flags::uv | core::flags::at;
            }),
            errc::auth_data_rp_id_hash_mismatch);
}

TEST(spec_7_1, step_15_user_present_before_step_16_user_verified) {
  EXPECT_EQ(register_with([](auto& k) { k.flags = core::flags::at; }), errc::auth_data_user_not_present);
}

TEST(spec_7_1, step_16_user_verified_before_step_22_format) {
  EXPECT_EQ(register_with([](auto& k) {
              k.flags = core::flags::up | core::flags::at;
              k.fmt = "fizzbuzz";
            }),
            errc::auth_data_user_not_verified);
}

TEST(spec_7_1, step_22_format_before_step_23_statement) {
  EXPECT_EQ(register_with([](auto& k) {
              k.fmt = "fizzbuzz";
              k.corrupt_signature = true;
            }),
            errc::attestation_format_unsupported);
}

TEST(spec_7_2, valid_baseline) { EXPECT_EQ(authenticate_with([](auto&, auto&) {}), errc::ok); }

TEST(spec_7_2, step_6_user_before_step_11_type) {
  EXPECT_EQ(authenticate_with([](auto& k, auto&) {
              k.user_handle = core::bytes{2};
              k.type = "webauthn.create";
            }),
            errc::ceremony_user_handle_mismatch);
}

TEST(spec_7_2, step_11_type_before_step_12_challenge) {
  EXPECT_EQ(authenticate_with([](auto& k, auto&) {
              k.type = "webauthn.create";
              k.challenge = "AAAA";
            }),
            errc::client_data_type_mismatch);
}

TEST(spec_7_2, step_13_origin_before_step_16_rp_id_hash) {
  EXPECT_EQ(authenticate_with([](auto& k, auto&) {
              k.origin = "https://evil.example";
              k.rp_id = "evil.example";
            }),
            errc::client_data_origin_mismatch);
}

TEST(spec_7_2, step_16_rp_id_hash_before_step_17_user_present) {
  EXPECT_EQ(authenticate_with([](auto& k, auto&) {
              k.rp_id = "evil.example";
              k.flags = core::flags::uv;
            }),
            errc::auth_data_rp_id_hash_mismatch);
}

TEST(spec_7_2, step_18_user_verified_before_step_23_signature) {
  EXPECT_EQ(authenticate_with([](auto& k, auto&) {
              k.flags = core::flags::up;
              k.corrupt_signature = true;
            }),
            errc::auth_data_user_not_verified);
}

TEST(spec_7_2, step_23_signature_before_step_24_counter) {
  EXPECT_EQ(authenticate_with([](auto& k, auto&) {
              k.corrupt_signature = true;
              k.sign_count = 1;
            }),
            errc::signature_invalid);
}
