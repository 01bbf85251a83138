// Vector file -> core inputs. Every field and options key of ../shared/vectors/README.md is read here.
#include "vector_file.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json/serialize.hpp>
#include <charconv>
#include <ctime>

namespace signet::app::detail {

namespace json = boost::json;

namespace {

std::vector<std::shared_ptr<X509>> parse_pem_list(const json::array& pems, std::string& error) {
  std::vector<std::shared_ptr<X509>> out;
  for (const auto& p : pems) {
    if (!p.is_string()) {
      error = "attestationRoots entry is not a string";
      return {};
    }
    const auto& s = p.get_string();
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())), &BIO_free);
    // A PEM entry may hold several certificates.
    while (bio) {
      X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
      if (!cert) break;
      out.emplace_back(cert, &X509_free);
    }
    ERR_clear_error();  // the loop ends on "no start line"; do not leave it queued
  }
  return out;
}

bool get_bool(const json::object& o, std::string_view key, bool fallback) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso8601(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s.back() != 'Z')
    return std::nullopt;
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return r.ec == std::errc{} && r.ptr == s.data() + pos + len;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, sec))
    return std::nullopt;
  if (s.size() > 20) {
    if (s[19] != '.' || s.size() < 22) return std::nullopt;
    std::string_view frac = s.substr(20, s.size() - 21);
    int f = 0;
    if (frac.size() > 9 || !num(20, frac.size(), f)) return std::nullopt;
    ms = f;
    for (std::size_t i = frac.size(); i < 3; ++i) ms *= 10;
    for (std::size_t i = 3; i < frac.size(); ++i) ms /= 10;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t) + std::chrono::milliseconds(ms);
}

std::optional<vector_case> load_vector(const json::value& root, std::string& error) {
  if (!root.is_object()) {
    error = "not a JSON object";
    return std::nullopt;
  }
  const auto& o = root.get_object();
  vector_case c;
  auto str = [&](std::string_view key, std::string& out) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string()) {
      error = "missing string member " + std::string(key);
      return false;
    }
    out = std::string(v->get_string());
    return true;
  };
  if (!str("id", c.id) || !str("kind", c.kind) || !str("expectedChallenge", c.expected_challenge) ||
      !str("expectedRPID", c.rp_id))
    return std::nullopt;
  if (c.kind != "registration" && c.kind != "authentication") {
    error = "unknown kind " + c.kind;
    return std::nullopt;
  }
  const auto* resp = o.if_contains("response");
  if (!resp || !resp->is_object()) {
    error = "missing response";
    return std::nullopt;
  }
  // Fed to the core parser exactly as a browser would POST it.
  c.response_json = json::serialize(*resp);
  if (const auto* eo = o.if_contains("expectedOrigin")) {
    if (eo->is_string()) c.origins.emplace_back(eo->get_string());
    else if (eo->is_array())
      for (const auto& x : eo->get_array())
        if (x.is_string()) c.origins.emplace_back(x.get_string());
  }
  c.require_uv = get_bool(o, "requireUserVerification", true);
  c.require_up = get_bool(o, "requireUserPresence", true);
  if (const auto* va = o.if_contains("verifyAt"); va && va->is_string()) {
    c.verify_at = parse_iso8601(va->get_string());
    if (!c.verify_at) {
      error = "bad verifyAt";
      return std::nullopt;
    }
  }

  // Policy: start from the strict default and apply what the vector says. Conformance defaults:
  // the sources accept SHA-1 attestation signatures unless disallowSHA1Attestation says otherwise.
  core::policy& p = c.policy;
  p.require_user_verification = c.require_uv;
  p.allow_missing_user_presence = !c.require_up;
  p.allow_sha1_attestation = true;
  p.safetynet_require_cts = true;

  if (const auto* roots = o.if_contains("attestationRoots"); roots && roots->is_array()) {
    auto anchors = parse_pem_list(roots->get_array(), error);
    if (!error.empty()) return std::nullopt;
    c.trust = std::make_unique<vector_trust>(std::move(anchors));
  } else {
    // README: without attestationRoots the source did no path validation and no validity check.
    p.danger_ignore_certificate_validity = true;
  }

  if (const auto* opt = o.if_contains("options"); opt && opt->is_object()) {
    const auto& op = opt->get_object();
    if (const auto* algs = op.if_contains("supportedAlgorithms"); algs && algs->is_array())
      for (const auto& a : algs->get_array())
        if (a.is_int64()) c.algorithms.push_back(static_cast<std::int32_t>(a.get_int64()));
    p.safetynet_require_cts = get_bool(op, "safetyNetEnforceCTS", p.safetynet_require_cts);
    p.danger_safetynet_skip_timestamp = get_bool(op, "safetyNetSkipTimestampCheck", false);
    c.requires_revocation_check = get_bool(op, "requiresRevocationCheck", false);
    p.require_revocation_check = c.requires_revocation_check;
    if (get_bool(op, "ignoreCertificateValidity", false)) p.danger_ignore_certificate_validity = true;
    if (get_bool(op, "disallowSHA1Attestation", false)) p.allow_sha1_attestation = false;
    p.reject_backup_eligible = get_bool(op, "rejectBackupEligible", false);
    p.allow_subdomain_origins = get_bool(op, "allowSubdomainOrigins", false);
    p.allow_any_port = get_bool(op, "allowAnyPort", false);
    if (const auto* appid = op.if_contains("appid"); appid && appid->is_string()) p.appid = std::string(appid->get_string());
    p.allow_cross_origin = get_bool(op, "allowCrossOrigin", false);
    if (const auto* tops = op.if_contains("expectedTopOrigins"); tops && tops->is_array())
      for (const auto& t : tops->get_array())
        if (t.is_string()) p.expected_top_origins.emplace_back(t.get_string());
  }

  if (c.kind == "authentication") {
    const auto* cred = o.if_contains("credential");
    if (!cred || !cred->is_object()) {
      error = "authentication vector without credential";
      return std::nullopt;
    }
    const auto& co = cred->get_object();
    const auto* id = co.if_contains("id");
    const auto* pk = co.if_contains("publicKey");
    const auto* counter = co.if_contains("counter");
    if (!id || !id->is_string() || !pk || !pk->is_string()) {
      error = "credential needs id and publicKey";
      return std::nullopt;
    }
    auto idb = core::base64url_decode(id->get_string());
    auto pkb = core::base64url_decode(pk->get_string());
    if (!idb || !pkb) {
      error = "credential id/publicKey not base64url";
      return std::nullopt;
    }
    core::stored_credential sc;
    sc.id = core::credential_id(std::move(*idb));
    sc.public_key_cose = std::move(*pkb);
    if (counter && counter->is_int64() && counter->get_int64() >= 0)
      sc.sign_count = static_cast<std::uint32_t>(counter->get_int64());
    c.credential = std::move(sc);
  }

  if (const auto* ex = o.if_contains("expect"); ex && ex->is_object()) {
    c.expect = ex->get_object();
  } else {
    error = "missing expect";
    return std::nullopt;
  }
  return c;
}

}  // namespace signet::app::detail
