#include "deviations.hpp"

#include <array>

namespace signet::app::detail {

namespace {

constexpr std::string_view k_mldsa =
    "ML-DSA credential/attestation keys: OpenSSL 3.0 cannot verify ML-DSA; refused, never accepted";
constexpr std::string_view k_rs1 =
    "RS1 (SHA-1) credential key: SHA-1 is allowed for attestation signatures only, never for credentials";

constexpr std::array k_deviations{
    deviation{"yubico-reg-mldsa44", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-reg-mldsa65", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-reg-mldsa87", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-reg-default-packed-basic-attestation-ml-dsa44", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-reg-default-packed-basic-attestation-ml-dsa65", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-reg-default-packed-basic-attestation-ml-dsa87", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-auth-mldsa44", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-auth-mldsa65", "cose_alg_unsupported", k_mldsa},
    deviation{"yubico-auth-mldsa87", "cose_alg_unsupported", k_mldsa},
    deviation{"swa-reg-tpm-verify-sha1-tpm-response", "cose_alg_not_allowed", k_rs1},
    deviation{"swa-reg-validate-tpm-rsa-response-sha1", "cose_alg_not_allowed", k_rs1},
};

}  // namespace

const deviation* find_deviation(std::string_view vector_id) noexcept {
  for (const auto& d : k_deviations)
    if (d.vector_id == vector_id) return &d;
  return nullptr;
}

}  // namespace signet::app::detail
