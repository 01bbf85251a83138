// Every real-device registration vector of fmt tpm, android-key, android-safetynet and apple in
// ../shared/vectors, fed straight to its statement verifier (the rest of the ceremony — challenge,
// origin, rpIdHash — is the registration tests' business). Asserts the vector's verdict, the
// attestation type and whether the chain was anchored; failing vectors assert the exact code.
#include <map>

#include "vector_support.hpp"

namespace signet::test {
namespace {

using verifier = boost::system::result<attestation_result> (*)(const attestation_input&);

const std::map<std::string, verifier, std::less<>>& verifiers() {
  static const std::map<std::string, verifier, std::less<>> m{
      {"tpm", &verify_tpm},
      {"android-key", &verify_android_key},
      {"android-safetynet", &verify_android_safetynet},
      {"apple", &verify_apple},
  };
  return m;
}

attestation_type expected_type(std::string_view fmt) {
  if (fmt == "tpm") return attestation_type::attca;
  if (fmt == "apple") return attestation_type::anonca;
  return attestation_type::basic;  // android-key, android-safetynet
}

// Vectors expected to fail, with the code we must fail them with. std::nullopt: the verdict depends
// on the wall clock (no verifyAt), so only the rejection itself is asserted.
const std::map<std::string, std::optional<errc>, std::less<>>& expected_failures() {
  static const std::map<std::string, std::optional<errc>, std::less<>> m{
      {"swa-reg-tpm-fail-if-id-fido-gen-ce-aaguid-extension-is-present-and-does-not",
       errc::attestation_aaguid_mismatch},
      {"swa-reg-enforce-cts-check-by-default", errc::attestation_android_safetynet_invalid},
      // The source fetched a CRL online; core has no revocation input, so a policy that requires
      // revocation checking fails closed (common.hpp validate_chain).
      {"swa-reg-safetynet-reject-when-a-revoked-certificate-is-found", errc::attestation_revocation_unchecked},
      // timestampMs is from 2019 and there is no verifyAt: refused on the leaf's validity period
      // (expired in 2019) before the timestamp check is reached; either refusal is the verdict.
      {"swa-reg-safetynet-throw-error-when-timestamp-is-not-within-one-minute-of-now", std::nullopt},
  };
  return m;
}

// Deliberate differences from a vector's verdict, each with its reason (also for docs/design.md).
const std::map<std::string, std::string, std::less<>>& known_deviations() {
  static const std::map<std::string, std::string, std::less<>> m{};
  return m;
}

struct vector_ref {
  std::string id;
  std::string fmt;
};

std::vector<vector_ref> our_vectors() {
  std::vector<vector_ref> out;
  for (const char* sub : {"simplewebauthn", "yubico"}) {
    const fs::path dir = vectors_dir() / sub;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".json") continue;
      std::ifstream f(e.path());
      std::stringstream ss;
      ss << f.rdbuf();
      const auto j = boost::json::parse(ss.str()).as_object();
      if (j.at("kind").as_string() != "registration") continue;
      const auto* derived = j.if_contains("derived");
      const auto* fmt = derived ? derived->as_object().if_contains("fmt") : nullptr;
      if (!fmt || !fmt->is_string() || !verifiers().count(fmt->as_string())) continue;
      out.push_back({e.path().stem().string(), std::string(fmt->as_string())});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

TEST(attestation_vectors, counts_match_the_vector_readme) {
  SIGNET_REQUIRE_VECTORS();
  std::map<std::string, int> per_fmt;
  for (const auto& v : our_vectors()) ++per_fmt[v.fmt];
  EXPECT_EQ(per_fmt["tpm"], 19);
  EXPECT_EQ(per_fmt["android-key"], 4);
  EXPECT_EQ(per_fmt["android-safetynet"], 7);
  EXPECT_EQ(per_fmt["apple"], 3);
}

TEST(attestation_vectors, every_vector_gets_its_verdict) {
  SIGNET_REQUIRE_VECTORS();
  int passed = 0, deviations = 0;
  for (const auto& v : our_vectors()) {
    SCOPED_TRACE(v.id);
    vector_case c = load_vector(v.id);
    const auto r = verifiers().at(v.fmt)(c.input());
    if (auto dev = known_deviations().find(v.id); dev != known_deviations().end()) {
      // Documented difference: we must give the opposite verdict, for the stated reason. If this
      // starts failing, the deviation is gone and the entry (and docs/design.md) must go too.
      EXPECT_NE(r.has_value(), c.expect_verified) << "deviation no longer applies: " << dev->second;
      ++deviations;
      continue;
    }
    EXPECT_EQ(r.has_value(), c.expect_verified) << "got " << describe(r);
    if (r.has_value() != c.expect_verified) continue;
    if (r) {
      EXPECT_EQ(r->type, expected_type(v.fmt));
      EXPECT_EQ(r->trusted, c.anchored);
      EXPECT_FALSE(r->x5c.empty());
      if (const auto* at = c.json.at("expect").as_object().if_contains("attestationType")) {
        EXPECT_EQ(to_string(r->type), at->as_string());
      }
    } else {
      auto f = expected_failures().find(v.id);
      EXPECT_NE(f, expected_failures().end()) << "unexpected failing vector " << describe(r);
      if (f != expected_failures().end() && f->second) {
        EXPECT_EQ(r.error(), make_error_code(*f->second)) << describe(r);
      }
    }
    ++passed;
  }
  std::printf("[ vectors  ] %d verdicts matched, %d documented deviation(s)\n", passed, deviations);
}

}  // namespace
}  // namespace signet::test
