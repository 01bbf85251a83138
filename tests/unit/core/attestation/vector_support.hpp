// Test support for the attestation format tests: loads a real-device vector from ../shared/vectors
// (never copied into the repo) and turns it into an attestation_input for a verifier, with the RP
// settings the vector's source used (README.md of the vector set, "Running a vector").
#pragma once

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "attestation/common.hpp"
#include "attestation/formats.hpp"
#include "signet/core/attestation.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace signet::test {

namespace fs = std::filesystem;
using namespace signet::core;

/// ../shared/vectors relative to the repository root (SIGNET_REPO_ROOT is set by CMake).
inline fs::path vectors_dir() { return fs::path(SIGNET_REPO_ROOT) / ".." / "shared" / "vectors"; }

/// Skips the calling test, saying why, when the vector folder is absent.
#define SIGNET_REQUIRE_VECTORS()                                                                    \
  do {                                                                                              \
    if (!std::filesystem::is_directory(::signet::test::vectors_dir()))                              \
      GTEST_SKIP() << "real-device vectors not found at " << ::signet::test::vectors_dir().string() \
                   << " (../shared/vectors relative to the repo root is absent)";                   \
  } while (0)

inline std::optional<fs::path> find_vector(const std::string& id) {
  for (const char* sub : {"simplewebauthn", "yubico"}) {
    fs::path p = vectors_dir() / sub / (id + ".json");
    if (fs::exists(p)) return p;
  }
  return std::nullopt;
}

/// Seconds-precision parse of an ISO-8601 UTC instant ("2025-02-02T10:00:00.000Z"), keeping ms.
inline std::chrono::system_clock::time_point parse_iso8601(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  char frac[8] = {};
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6)
    throw std::runtime_error("bad instant " + s);
  if (auto dot = s.find('.'); dot != std::string::npos && std::sscanf(s.c_str() + dot + 1, "%3[0-9]", frac) == 1)
    ms = std::atoi(frac);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t) + std::chrono::milliseconds(ms);
}

inline std::shared_ptr<X509> parse_pem(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (!x) throw std::runtime_error("bad PEM anchor");
  return std::shared_ptr<X509>(x, &X509_free);
}

/// A trust source that hands out the same anchors for every format.
class fixed_trust : public trust_source {
 public:
  std::vector<std::shared_ptr<X509>> roots;
  std::vector<std::shared_ptr<X509>> anchors(std::string_view, const aaguid&) const override { return roots; }
};

/// One registration vector, decoded and ready to feed to a verifier. Owns everything the
/// attestation_input refers to; tests mutate the members to break one thing at a time.
struct vector_case {
  std::string id;
  boost::json::object json;
  attestation_object obj;
  std::optional<public_key> key;
  bytes client_data_hash;
  core::policy pol;
  fixed_trust trust;
  bool anchored = false;  // the vector configures attestationRoots
  std::chrono::system_clock::time_point now;
  bool expect_verified = false;

  attestation_input input() const {
    return attestation_input{
        obj.fmt, obj.att_stmt, obj.auth_data_raw, obj.auth_data, client_data_hash, *key, anchored ? &trust : nullptr,
        now,     pol};
  }

  /// Replaces attStmt[name] (which must exist).
  void set_stmt(std::string_view name, cbor::value v) {
    for (auto& [k, val] : obj.att_stmt)
      if (k.as_text() && *k.as_text() == name) {
        val = std::move(v);
        return;
      }
    throw std::runtime_error("no attStmt member " + std::string(name));
  }
  bytes& stmt_bytes(std::string_view name) {
    for (auto& [k, val] : obj.att_stmt)
      if (k.as_text() && *k.as_text() == name) return std::get<bytes>(val.v);
    throw std::runtime_error("no attStmt member " + std::string(name));
  }
};

inline const boost::json::value* jfind(const boost::json::object& o, std::string_view k) { return o.if_contains(k); }

/// Loads a vector. Policy: the vector's options mapped onto core::policy; RS1 allowed unless
/// disallowSHA1Attestation (the sources accept SHA-1 TPM statements by default). Clock: verifyAt; when
/// absent, the real clock, except that a vector without attestationRoots (its source did no path
/// validation and no validity check) runs with certificate validity off.
inline vector_case load_vector(const std::string& id) {
  auto path = find_vector(id);
  if (!path) throw std::runtime_error("vector not found: " + id);
  std::ifstream f(*path);
  std::stringstream ss;
  ss << f.rdbuf();
  vector_case c;
  c.id = id;
  c.json = boost::json::parse(ss.str()).as_object();
  const auto& resp = c.json.at("response").as_object().at("response").as_object();
  auto ao = base64url_decode(resp.at("attestationObject").as_string());
  auto cdj = base64url_decode(resp.at("clientDataJSON").as_string());
  if (!ao || !cdj) throw std::runtime_error("bad base64url in " + id);
  auto obj = parse_attestation_object(*ao);
  if (!obj) throw std::runtime_error("attestation object does not parse: " + obj.error().message());
  c.obj = std::move(*obj);
  if (!c.obj.auth_data.attested) throw std::runtime_error("no attested credential data in " + id);
  auto key = parse_cose_key(c.obj.auth_data.attested->public_key_cose);
  if (!key) throw std::runtime_error("credential key does not parse: " + key.error().message());
  c.key.emplace(std::move(*key));
  c.client_data_hash = sha256(*cdj);

  c.pol = core::policy{};
  c.pol.allow_sha1_attestation = true;
  if (const auto* o = jfind(c.json, "options"); o && o->is_object()) {
    const auto& opts = o->as_object();
    if (const auto* v = jfind(opts, "safetyNetEnforceCTS")) c.pol.safetynet_require_cts = v->as_bool();
    if (const auto* v = jfind(opts, "safetyNetSkipTimestampCheck"))
      c.pol.danger_safetynet_skip_timestamp = v->as_bool();
    if (const auto* v = jfind(opts, "disallowSHA1Attestation")) c.pol.allow_sha1_attestation = !v->as_bool();
    if (const auto* v = jfind(opts, "ignoreCertificateValidity"))
      c.pol.danger_ignore_certificate_validity = v->as_bool();
    if (const auto* v = jfind(opts, "requiresRevocationCheck")) c.pol.require_revocation_check = v->as_bool();
  }
  if (const auto* roots = jfind(c.json, "attestationRoots"); roots && roots->is_array() && !roots->as_array().empty()) {
    for (const auto& pem : roots->as_array()) c.trust.roots.push_back(parse_pem(std::string(pem.as_string())));
    c.anchored = true;
  }
  const auto* at = jfind(c.json, "verifyAt");
  if (at && at->is_string()) {
    c.now = parse_iso8601(std::string(at->as_string()));
  } else {
    c.now = std::chrono::system_clock::now();
    if (!c.anchored) c.pol.danger_ignore_certificate_validity = true;
  }
  c.expect_verified = c.json.at("expect").as_object().at("verified").as_bool();
  return c;
}

/// Printable error for assertion messages.
inline std::string describe(const boost::system::result<attestation_result>& r) {
  if (r) return "ok";
  if (r.error().category() == core_category()) return std::string(to_string(static_cast<errc>(r.error().value())));
  return r.error().message();
}

}  // namespace signet::test
