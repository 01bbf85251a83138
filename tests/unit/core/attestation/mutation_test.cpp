// One-bit mutations of every signed or hashed field of every accepted vector must be refused (and,
// under ASan/UBSan, must not read out of bounds on the way). Fields: tpm sig/pubArea/certInfo,
// android-key sig, android-safetynet response (the whole JWS), and for anchored vectors the leaf
// certificate (covered by its issuer's signature).
#include "vector_support.hpp"

namespace signet::test {
namespace {

using verifier = boost::system::result<attestation_result> (*)(const attestation_input&);

struct target {
  std::string fmt;
  verifier verify;
  std::vector<std::string> fields;
};

const std::vector<target>& targets() {
  static const std::vector<target> t{
      {"tpm", &verify_tpm, {"sig", "pubArea", "certInfo"}},
      {"android-key", &verify_android_key, {"sig"}},
      {"android-safetynet", &verify_android_safetynet, {"response"}},
      {"apple", &verify_apple, {}},
  };
  return t;
}

// At most this many positions per field (spread evenly), to keep the run short.
constexpr std::size_t k_positions = 48;

std::vector<std::size_t> positions(std::size_t size) {
  std::vector<std::size_t> out;
  const std::size_t stride = size > k_positions ? size / k_positions : 1;
  for (std::size_t i = 0; i < size; i += stride) out.push_back(i);
  if (size) out.push_back(size - 1);
  return out;
}

TEST(attestation_mutations, one_bit_flips_in_signed_fields_are_refused) {
  SIGNET_REQUIRE_VECTORS();
  std::size_t runs = 0;
  for (const auto& [id, fmt] : std::vector<std::pair<std::string, std::string>>{
           {"swa-reg-tpm-verify-sha256-tpm-response", "tpm"},
           {"swa-reg-tpm-verify-tpm-response-with-spec-compliant-tcgattpm-san-structure", "tpm"},
           {"swa-reg-tpm-verify-tpm-response-with-ecc-public-area-type", "tpm"},
           {"yubico-reg-default-tpm-valid-es256", "tpm"},
           {"yubico-reg-default-tpm-valid-rs256", "tpm"},
           {"swa-reg-android-key-verify-android-keystore-response-from-a-pixel-8a-in-january-2025", "android-key"},
           {"swa-reg-safetynet-verify-android-safetynet-attestation", "android-safetynet"},
           {"yubico-reg-default-android-safetynet-real-example", "android-safetynet"},
           {"swa-reg-apple-verify-apple-attestation", "apple"},
       }) {
    SCOPED_TRACE(id);
    const vector_case base = load_vector(id);
    const target& t = *std::find_if(targets().begin(), targets().end(), [&](const auto& x) { return x.fmt == fmt; });
    ASSERT_TRUE(t.verify(base.input())) << "baseline must verify";

    for (const auto& field : t.fields) {
      const std::size_t size = vector_case(base).stmt_bytes(field).size();
      for (std::size_t pos : positions(size)) {
        vector_case c = base;
        c.stmt_bytes(field)[pos] ^= 0x01;
        EXPECT_FALSE(t.verify(c.input())) << field << " byte " << pos << " flipped still verifies";
        ++runs;
      }
    }
    if (base.anchored) {
      const cbor::value* x5c = cbor::find(base.obj.att_stmt, "x5c");
      if (x5c) {
        const std::size_t size = x5c->as_array()->front().as_bytes()->size();
        for (std::size_t pos : positions(size)) {
          vector_case c = base;
          cbor::value mutated = *x5c;
          std::get<bytes>(std::get<cbor::array>(mutated.v)[0].v)[pos] ^= 0x01;
          c.set_stmt("x5c", mutated);
          EXPECT_FALSE(t.verify(c.input())) << "leaf certificate byte " << pos << " flipped still verifies";
          ++runs;
        }
      }
    }
  }
  std::printf("[ mutation ] %zu mutated statements refused\n", runs);
}

}  // namespace
}  // namespace signet::test
