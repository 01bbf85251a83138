// One verifier per attestation statement format (WebAuthn L3 §8). All share attestation_input /
// attestation_result (include/signet/core/attestation.hpp); dispatch.cpp maps `fmt` to them.
// Contract for each: verifies attStmt against in.auth_data_raw ‖ in.client_data_hash, validates any
// certificate chain through validate_chain() (common.hpp), reports the attestation type; never throws
// on input; failure codes are errc::attestation_* (or policy_* / cose_* where noted in common.hpp).
#pragma once

#include <boost/system/result.hpp>

#include "signet/core/attestation.hpp"

namespace signet::core {

boost::system::result<attestation_result> verify_none(const attestation_input& in);               // none.cpp
boost::system::result<attestation_result> verify_packed(const attestation_input& in);             // packed.cpp
boost::system::result<attestation_result> verify_fido_u2f(const attestation_input& in);           // fido_u2f.cpp
boost::system::result<attestation_result> verify_tpm(const attestation_input& in);                // tpm/tpm.cpp
boost::system::result<attestation_result> verify_android_key(const attestation_input& in);        // android_key.cpp
boost::system::result<attestation_result> verify_android_safetynet(const attestation_input& in);  // android_safetynet.cpp
boost::system::result<attestation_result> verify_apple(const attestation_input& in);              // apple.cpp

}  // namespace signet::core
