// fuzz_attestation_object: parse_attestation_object -> credential key -> the attestation statement
// verifier that find_attestation_verifier() picks for `fmt` - for "compound" (§8.9), for each inner
// statement (WebAuthn L3 §7.1 steps 12-21).
//
// Input framing (so the seeds, built from real registrations, reach the signature and certificate code):
//   byte 0       policy flags (signet::fuzz::att_flag_*)
//   bytes 1..32  clientDataHash the statement is checked against (seeds: SHA-256 of the clientDataJSON)
//   bytes 33..   the attestationObject (CBOR map {fmt, attStmt, authData})
// Trust source: none (chains are not anchored except by a format's own well-known root); now is fixed.
//
// Invariants:
//  - a parsed object re-checks against an independent decode: members fmt, attStmt and authData with
//    the same values (compound: the same inner statements, >= 2, none compound), authData re-parses
//    the same;
//  - a verifier is found only for the formats of the dispatch table, never for anything else;
//  - on success: fmt "none" reports attestation type none and no x5c; self attestation carries no
//    x5c; basic/attca/anonca carry one; x5c has <= limits::x5c_max_certificates entries, every entry
//    non-empty; `trusted` implies an x5c; a result never comes with an error.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_framing.hpp"
#include "limits.hpp"
#include "signet/core/attestation.hpp"
#include "signet/core/authenticator_data.hpp"
#include "signet/core/cbor.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/policy.hpp"

namespace core = signet::core;
namespace fz = signet::fuzz;

namespace {

constexpr std::array<std::string_view, 7> k_formats{"none", "packed", "fido-u2f", "tpm",
                                                    "android-key", "android-safetynet", "apple"};

bool is_known_format(std::string_view fmt) {
  for (const auto f : k_formats)
    if (f == fmt) return true;
  return false;
}

void check_statement(core::attestation_verifier verifier, const core::attestation_input& in) {
  const auto r = verifier(in);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return;
  }
  const core::attestation_result& res = *r;
  SIGNET_FUZZ_CHECK(res.x5c.size() <= core::limits::x5c_max_certificates);
  for (const auto& der : res.x5c) SIGNET_FUZZ_CHECK(!der.empty());
  if (in.fmt == "none") SIGNET_FUZZ_CHECK(res.type == core::attestation_type::none && res.x5c.empty());
  switch (res.type) {
    case core::attestation_type::self:
      SIGNET_FUZZ_CHECK(res.x5c.empty());
      break;
    case core::attestation_type::basic:
    case core::attestation_type::attca:
    case core::attestation_type::anonca:
      SIGNET_FUZZ_CHECK(!res.x5c.empty());
      break;
    case core::attestation_type::none:
    case core::attestation_type::uncertain:
      break;
  }
  if (res.trusted) SIGNET_FUZZ_CHECK(!res.x5c.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t header = 1 + 32;
  if (size < header) return 0;
  const core::byte_view in(data, size);
  const std::uint8_t fl = data[0];
  const core::byte_view client_data_hash = in.subspan(1, 32);
  const core::byte_view att_obj = in.subspan(header);

  // WebAuthn L3 §6.5.4: attObj = {fmt: tstr, attStmt: map, authData: bstr}.
  const auto obj = core::parse_attestation_object(att_obj);
  if (!obj) {
    SIGNET_FUZZ_CHECK(obj.has_error() && !obj.has_value());
    return 0;
  }
  // Re-check the container independently: fmt, attStmt and authData present with these values
  // (other members are ignored, §7.1 step 13); "compound" (§8.9) carries >= 2 inner statements.
  {
    const auto raw = core::cbor::decode_one(att_obj, core::cbor::decode_options{.allow_indefinite_length = true});
    SIGNET_FUZZ_CHECK(raw.has_value() && raw->is_map() && raw->as_map()->size() >= 3);
    const auto* fmt_v = core::cbor::find(*raw->as_map(), "fmt");
    const auto* stmt_v = core::cbor::find(*raw->as_map(), "attStmt");
    const auto* auth_v = core::cbor::find(*raw->as_map(), "authData");
    SIGNET_FUZZ_CHECK(fmt_v != nullptr && fmt_v->is_text() && *fmt_v->as_text() == obj->fmt);
    SIGNET_FUZZ_CHECK(auth_v != nullptr && auth_v->is_bytes() && *auth_v->as_bytes() == obj->auth_data_raw);
    SIGNET_FUZZ_CHECK(stmt_v != nullptr);
    if (obj->fmt == "compound") {
      SIGNET_FUZZ_CHECK(obj->att_stmt.empty() && obj->compound.size() >= 2);
      SIGNET_FUZZ_CHECK(stmt_v->is_array() && stmt_v->as_array()->size() == obj->compound.size());
      for (std::size_t i = 0; i < obj->compound.size(); ++i) {
        const auto& [inner_fmt, inner_stmt] = obj->compound[i];
        SIGNET_FUZZ_CHECK(inner_fmt != "compound");
        const auto* m = (*stmt_v->as_array())[i].as_map();
        SIGNET_FUZZ_CHECK(m != nullptr);
        const auto* f = core::cbor::find(*m, "fmt");
        const auto* st = core::cbor::find(*m, "attStmt");
        SIGNET_FUZZ_CHECK(f != nullptr && f->is_text() && *f->as_text() == inner_fmt);
        SIGNET_FUZZ_CHECK(st != nullptr && st->is_map() && fz::equal(*st->as_map(), inner_stmt));
      }
    } else {
      SIGNET_FUZZ_CHECK(obj->compound.empty());
      SIGNET_FUZZ_CHECK(stmt_v->is_map() && fz::equal(*stmt_v->as_map(), obj->att_stmt));
    }
    const auto again = core::parse_authenticator_data(obj->auth_data_raw);
    SIGNET_FUZZ_CHECK(again.has_value() && again->flags == obj->auth_data.flags &&
                      again->sign_count == obj->auth_data.sign_count &&
                      again->attested.has_value() == obj->auth_data.attested.has_value());
  }
  if (!obj->auth_data.attested) return 0;
  const auto key = core::parse_cose_key(obj->auth_data.attested->public_key_cose);
  if (!key) return 0;

  // The statements to verify: the one, or each inner statement of a compound one.
  std::vector<std::pair<std::string, const core::cbor::map*>> statements;
  if (obj->fmt == "compound")
    for (const auto& [f, st] : obj->compound) statements.emplace_back(f, &st);
  else
    statements.emplace_back(obj->fmt, &obj->att_stmt);

  core::policy pol;
  pol.danger_ignore_certificate_validity = (fl & fz::att_flag_ignore_validity) != 0;
  pol.allow_sha1_attestation = (fl & fz::att_flag_allow_sha1) != 0;
  pol.danger_safetynet_skip_timestamp = (fl & fz::att_flag_skip_timestamp) != 0;
  pol.safetynet_require_cts = (fl & fz::att_flag_no_cts) == 0;
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1735689600));  // 2025-01-01
  for (const auto& [fmt, stmt] : statements) {
    const auto verifier = core::find_attestation_verifier(fmt);
    SIGNET_FUZZ_CHECK((verifier != nullptr) == is_known_format(fmt));
    if (verifier == nullptr) continue;
    check_statement(verifier, core::attestation_input{
                                  .fmt = fmt,
                                  .att_stmt = *stmt,
                                  .auth_data_raw = obj->auth_data_raw,
                                  .auth_data = obj->auth_data,
                                  .client_data_hash = client_data_hash,
                                  .credential_key = *key,
                                  .trust = nullptr,
                                  .now = now,
                                  .policy = pol,
                              });
  }
  return 0;
}
