// Registration (WebAuthn L3 §7.1) against the soft authenticator: valid variants of every format we
// mint, then one broken thing at a time, each with its exact error code.
#include <gtest/gtest.h>

#include <functional>

#include "signet/core/ceremony.hpp"
#include "cbor_writer.hpp"
#include "soft_authenticator.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::attestation_mode;
using test::code_of;

namespace {

using clock_type = std::chrono::system_clock;

clock_type::time_point at(int year) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mday = 1;
  return clock_type::from_time_t(timegm(&tm));
}

class fixed_trust final : public core::trust_source {
 public:
  explicit fixed_trust(std::vector<std::shared_ptr<X509>> roots) : roots_(std::move(roots)) {}
  std::vector<std::shared_ptr<X509>> anchors(std::string_view, const core::aaguid&) const override { return roots_; }

 private:
  std::vector<std::shared_ptr<X509>> roots_;
};

struct env {
  test::test_ca ca = test::test_ca::create("Signet Test Root", at(2020), at(2040));
  test::test_ca other_ca = test::test_ca::create("Unrelated Root", at(2020), at(2040));
  fixed_trust trust{{ca.shared_cert()}};
  fixed_trust wrong_trust{{other_ca.shared_cert()}};
  std::string challenge = core::base64url_encode(core::as_bytes("signet registration challenge"));
  std::vector<std::string> origins{"https://example.com"};
};

env& shared_env() {
  static env e;
  return e;
}

struct setup {
  test::registration_knobs knobs;
  core::policy policy;
  core::registration_expectations expected;
  std::vector<std::int32_t> algorithms;
  const core::trust_source* trust = nullptr;
  std::function<void(core::registration_response&)> mutate;  // byte-level break after minting
};

setup valid(attestation_mode mode) {
  env& e = shared_env();
  setup s;
  s.knobs.challenge = e.challenge;
  s.knobs.mode = mode;
  s.knobs.ca = &e.ca;
  s.knobs.leaf.not_before = at(2021);
  s.knobs.leaf.not_after = at(2035);
  s.trust = &e.trust;
  return s;
}

boost::system::result<core::registration_result> run(setup& s, std::int32_t alg = -7) {
  static std::map<std::int32_t, test::soft_authenticator> authenticators;
  auto it = authenticators.find(alg);
  if (it == authenticators.end()) it = authenticators.emplace(alg, test::soft_authenticator(alg)).first;
  auto minted = it->second.make_registration(s.knobs);
  // Through the wire format, as the service would receive it.
  auto parsed = core::parse_registration_response_json(minted.json);
  if (!parsed) return parsed.error();
  if (s.mutate) s.mutate(*parsed);
  env& e = shared_env();
  s.expected.challenge = e.challenge;
  s.expected.origins = e.origins;
  s.expected.rp_id = "example.com";
  s.expected.require_user_verification = true;
  s.expected.algorithms = s.algorithms;
  s.expected.policy = &s.policy;
  s.expected.trust = s.trust;
  s.expected.now = at(2026);
  return core::verify_registration(*parsed, s.expected);
}

}  // namespace

TEST(registration, none_attestation) {
  auto s = valid(attestation_mode::none);
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_EQ(r->fmt, "none");
  EXPECT_EQ(r->attestation, core::attestation_type::none);
  EXPECT_EQ(r->aaguid, test::soft_aaguid());
  EXPECT_EQ(r->id.size(), 32u);
  EXPECT_TRUE(r->user_verified);
  EXPECT_EQ(r->transports, std::vector<std::string>{"usb"});
}

TEST(registration, packed_self_attestation_for_every_algorithm) {
  for (std::int32_t alg : {-7, -35, -36, -8, -53, -257, -258, -259, -37, -38, -39}) {
    auto s = valid(attestation_mode::packed_self);
    auto r = run(s, alg);
    ASSERT_TRUE(r) << alg << ": " << test::name(code_of(r));
    EXPECT_EQ(r->attestation, core::attestation_type::self);
    EXPECT_EQ(r->alg, alg);
  }
}

TEST(registration, packed_x5c_anchored_in_test_ca) {
  auto s = valid(attestation_mode::packed_x5c);
  s.knobs.leaf.aaguid_extension = test::soft_aaguid();
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_EQ(r->fmt, "packed");
  EXPECT_EQ(r->attestation, core::attestation_type::basic);
  EXPECT_TRUE(r->attestation_trusted);
  EXPECT_EQ(r->x5c.size(), 1u);
}

TEST(registration, packed_x5c_with_root_in_chain_and_required_trust) {
  auto s = valid(attestation_mode::packed_x5c);
  s.knobs.include_root_in_x5c = true;
  s.policy.require_trusted_attestation = true;
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_TRUE(r->attestation_trusted);
}

TEST(registration, packed_x5c_without_anchors_is_verified_but_untrusted) {
  auto s = valid(attestation_mode::packed_x5c);
  s.trust = nullptr;
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_FALSE(r->attestation_trusted);
}

TEST(registration, fido_u2f) {
  auto s = valid(attestation_mode::fido_u2f);
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_EQ(r->fmt, "fido-u2f");
  EXPECT_EQ(r->attestation, core::attestation_type::basic);
  EXPECT_TRUE(r->attestation_trusted);
}

TEST(registration, conditional_create_without_user_presence) {
  auto s = valid(attestation_mode::none);
  s.knobs.flags = core::flags::uv | core::flags::at;
  s.expected.require_user_presence = false;
  EXPECT_TRUE(run(s));
}

struct reg_negative_case {
  const char* name;
  attestation_mode mode;
  std::function<void(setup&)> breaker;
  errc expected;
};

class registration_negative : public ::testing::TestWithParam<reg_negative_case> {};

TEST_P(registration_negative, breaks_with_exact_code) {
  const auto& c = GetParam();
  auto s = valid(c.mode);
  c.breaker(s);
  auto r = run(s);
  EXPECT_EQ(code_of(r), c.expected) << c.name << ": got " << test::name(code_of(r));
}

namespace {

void drop_last_attestation_byte(core::registration_response& r) { r.attestation_object.pop_back(); }

std::vector<reg_negative_case> negative_cases() {
  using M = attestation_mode;
  std::vector<reg_negative_case> v{
      // clientDataJSON (§7.1 steps 5-11)
      {"origin", M::none, [](setup& s) { s.knobs.origin = "https://evil.example"; }, errc::client_data_origin_mismatch},
      {"origin_subdomain_not_allowed", M::none, [](setup& s) { s.knobs.origin = "https://a.example.com"; },
       errc::client_data_origin_mismatch},
      {"challenge", M::none, [](setup& s) { s.knobs.challenge = core::base64url_encode(core::as_bytes("other")); },
       errc::client_data_challenge_mismatch},
      {"type", M::none, [](setup& s) { s.knobs.type = "webauthn.get"; }, errc::client_data_type_mismatch},
      {"cross_origin", M::none, [](setup& s) { s.knobs.cross_origin = true; }, errc::client_data_cross_origin_not_allowed},
      {"client_data_not_json", M::none,
       [](setup& s) { s.mutate = [](core::registration_response& r) { r.client_data_json = {'{', 'x'}; }; },
       errc::client_data_malformed},
      // authenticator data (§7.1 steps 13-20)
      {"rp_id_hash", M::none, [](setup& s) { s.knobs.rp_id = "evil.example"; }, errc::auth_data_rp_id_hash_mismatch},
      {"user_not_present", M::none, [](setup& s) { s.knobs.flags = core::flags::uv | core::flags::at; },
       errc::auth_data_user_not_present},
      {"user_not_verified", M::none, [](setup& s) { s.knobs.flags = core::flags::up | core::flags::at; },
       errc::auth_data_user_not_verified},
      {"no_attested_credential_data", M::none, [](setup& s) { s.knobs.flags = core::flags::up | core::flags::uv; },
       errc::auth_data_attested_data_missing},
      {"backup_state_without_eligible", M::none,
       [](setup& s) { s.knobs.flags = core::flags::up | core::flags::uv | core::flags::at | core::flags::bs; },
       errc::auth_data_backup_state_without_eligible},
      {"backup_eligible_rejected_by_policy", M::none,
       [](setup& s) {
         s.knobs.flags = core::flags::up | core::flags::uv | core::flags::at | core::flags::be;
         s.policy.reject_backup_eligible = true;
       },
       errc::policy_backup_eligible_rejected},
      {"credential_id_1024_bytes", M::none, [](setup& s) { s.knobs.credential_id_length = 1024; },
       errc::auth_data_credential_id_too_long},
      {"credential_alg_not_offered", M::none, [](setup& s) { s.algorithms = {-257}; }, errc::cose_alg_not_allowed},
      // CBOR container
      {"attestation_object_truncated", M::none,
       [](setup& s) { s.mutate = drop_last_attestation_byte; }, errc::cbor_truncated},
      {"attestation_object_trailing_bytes", M::none,
       [](setup& s) { s.mutate = [](core::registration_response& r) { r.attestation_object.push_back(0x00); }; },
       errc::cbor_trailing_bytes},
      {"auth_data_trailing_bytes", M::none,
       [](setup& s) {
         s.mutate = [](core::registration_response& r) {
           auto obj = core::parse_attestation_object(r.attestation_object);
           auto ad = obj->auth_data_raw;
           ad.push_back(0x00);
           r.attestation_object = test::make_attestation_object("none", test::from_hex("a0"), ad);
         };
       },
       errc::auth_data_trailing_bytes},
      // The credential key's point off the curve (its last byte, y's, flipped): refused at step 20
      // whether the key is only checked ("none") or imported (packed).
      {"none_key_point_not_on_curve", M::none,
       [](setup& s) {
         s.mutate = [](core::registration_response& r) {
           auto obj = core::parse_attestation_object(r.attestation_object);
           auto ad = obj->auth_data_raw;
           ad.back() ^= 0x01;
           r.attestation_object = test::make_attestation_object("none", test::from_hex("a0"), ad);
         };
       },
       errc::cose_key_invalid_point},
      // formats (§7.1 steps 22-23)
      {"unknown_fmt", M::none, [](setup& s) { s.knobs.fmt = "fizzbuzz"; }, errc::attestation_format_unsupported},
      {"fmt_case_sensitive", M::packed_self, [](setup& s) { s.knobs.fmt = "Packed"; }, errc::attestation_format_unsupported},
      {"none_with_statement", M::packed_self, [](setup& s) { s.knobs.fmt = "none"; },
       errc::attestation_none_statement_not_empty},
      {"packed_self_signature", M::packed_self, [](setup& s) { s.knobs.corrupt_signature = true; },
       errc::attestation_signature_invalid},
      {"packed_self_wrong_alg", M::packed_self, [](setup& s) { s.knobs.statement_alg = -257; },
       errc::attestation_alg_mismatch},
      {"packed_x5c_signature", M::packed_x5c, [](setup& s) { s.knobs.corrupt_signature = true; },
       errc::attestation_signature_invalid},
      {"packed_x5c_alg_of_other_family", M::packed_x5c, [](setup& s) { s.knobs.statement_alg = -257; },
       errc::attestation_alg_mismatch},
      {"packed_x5c_untrusted_root", M::packed_x5c, [](setup& s) { s.trust = &shared_env().wrong_trust; },
       errc::attestation_chain_untrusted},
      {"packed_x5c_expired_certificate", M::packed_x5c, [](setup& s) { s.knobs.leaf.not_after = at(2025); },
       errc::attestation_certificate_expired},
      {"packed_x5c_not_yet_valid_certificate", M::packed_x5c, [](setup& s) { s.knobs.leaf.not_before = at(2027); },
       errc::attestation_certificate_expired},
      {"packed_x5c_aaguid_extension_mismatch", M::packed_x5c,
       [](setup& s) { s.knobs.leaf.aaguid_extension = core::aaguid{}; }, errc::attestation_aaguid_mismatch},
      {"packed_x5c_wrong_ou", M::packed_x5c, [](setup& s) { s.knobs.leaf.organizational_unit = "Marketing"; },
       errc::attestation_certificate_requirements},
      {"packed_x5c_leaf_is_ca", M::packed_x5c, [](setup& s) { s.knobs.leaf.ca = true; },
       errc::attestation_certificate_requirements},
      {"packed_x5c_no_anchors_but_trust_required", M::packed_x5c,
       [](setup& s) {
         s.trust = nullptr;
         s.policy.require_trusted_attestation = true;
       },
       errc::attestation_trust_required},
      {"packed_x5c_revocation_required", M::packed_x5c, [](setup& s) { s.policy.require_revocation_check = true; },
       errc::attestation_revocation_unchecked},
      {"self_attestation_when_trust_required", M::packed_self, [](setup& s) { s.policy.require_trusted_attestation = true; },
       errc::attestation_trust_required},
      {"fido_u2f_signature", M::fido_u2f, [](setup& s) { s.knobs.corrupt_signature = true; },
       errc::attestation_signature_invalid},
      {"fido_u2f_untrusted_root", M::fido_u2f, [](setup& s) { s.trust = &shared_env().wrong_trust; },
       errc::attestation_chain_untrusted},
      {"fido_u2f_expired_certificate", M::fido_u2f, [](setup& s) { s.knobs.leaf.not_after = at(2022); },
       errc::attestation_certificate_expired},
  };
  return v;
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(table, registration_negative, ::testing::ValuesIn(negative_cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(registration, expired_certificate_accepted_only_with_danger_flag) {
  auto s = valid(attestation_mode::packed_x5c);
  s.knobs.leaf.not_after = at(2025);
  s.policy.danger_ignore_certificate_validity = true;
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
}

TEST(registration, every_truncation_of_the_attestation_object_is_refused) {
  test::soft_authenticator a;
  auto s = valid(attestation_mode::packed_self);
  auto minted = a.make_registration(s.knobs);
  const auto full = minted.response.attestation_object;
  for (std::size_t n = 0; n < full.size(); n += 7) {
    auto resp = minted.response;
    resp.attestation_object.assign(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    core::policy p;
    core::registration_expectations e;
    e.challenge = shared_env().challenge;
    e.origins = shared_env().origins;
    e.rp_id = "example.com";
    e.policy = &p;
    e.now = at(2026);
    auto r = core::verify_registration(resp, e);
    EXPECT_FALSE(r) << "length " << n;
  }
}

// WebAuthn L3 §8.9 compound: built from a minted packed statement plus others.
namespace {

struct compound_part {
  std::string fmt;
  core::bytes stmt;  // encoded attStmt map
};

errc run_compound(const std::vector<compound_part>& parts, bool corrupt_packed = false,
                  core::attestation_type* type_out = nullptr) {
  static test::soft_authenticator a;
  auto s = valid(attestation_mode::packed_self);
  s.knobs.corrupt_signature = corrupt_packed;
  auto minted = a.make_registration(s.knobs);
  auto obj = core::parse_attestation_object(minted.response.attestation_object);
  if (!obj) return code_of(obj);
  test::cbor_writer packed_stmt;
  packed_stmt.value(core::cbor::value{obj->att_stmt});
  test::cbor_writer w;
  w.map(3).text("fmt").text("compound").text("attStmt").array(parts.size());
  for (const auto& p : parts) {
    w.map(2).text("fmt").text(p.fmt).text("attStmt");
    w.raw(p.stmt.empty() ? packed_stmt.data() : p.stmt);
  }
  w.text("authData").bytes(obj->auth_data_raw);
  auto resp = minted.response;
  resp.attestation_object = w.take();
  core::policy pol;
  core::registration_expectations e;
  e.challenge = shared_env().challenge;
  e.origins = shared_env().origins;
  e.rp_id = "example.com";
  e.policy = &pol;
  e.now = at(2026);
  auto r = core::verify_registration(resp, e);
  if (r && type_out) *type_out = r->attestation;
  return code_of(r);
}

}  // namespace

TEST(registration, compound_attestation) {
  const core::bytes empty_map{0xa0};
  core::attestation_type type{};
  EXPECT_EQ(run_compound({{"packed", {}}, {"none", empty_map}}, false, &type), errc::ok);
  EXPECT_EQ(type, core::attestation_type::self);
  EXPECT_EQ(run_compound({{"packed", {}}}), errc::attestation_statement_malformed);  // fewer than two
  EXPECT_EQ(run_compound({{"packed", {}}, {"fizzbuzz", empty_map}}), errc::attestation_format_unsupported);
  EXPECT_EQ(run_compound({{"packed", {}}, {"compound", empty_map}}), errc::attestation_statement_malformed);
  EXPECT_EQ(run_compound({{"none", empty_map}, {"packed", {}}}, true), errc::attestation_signature_invalid);
}
