// `signet verify [--check] FILE|DIR...`: runs WebAuthn conformance vectors (format of
// ../shared/vectors/README.md) through the core verifier.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace signet::app {

/// Reads every vector file in `paths` (directories are walked recursively for *.json, skipping
/// crosscheck-*.json; files sorted by path), verifies each, and writes one JSON line per vector to
/// `out`: {id, verdict ("verified"|"rejected"|"error"), errorCode, fmt, aaguid, credentialId, counter,
/// userVerified, backupEligible, backedUp, attestationType}. With `check`, each line also carries
/// "check" ("pass"/"fail") and "mismatch" when it failed, and a final line "N passed, M failed".
/// Returns 0 when every vector matched (or, without check, every file could be read), 1 otherwise.
/// Reads the system clock only for vectors without verifyAt. Not thread-safe with respect to `out`.
int run_verify(const std::vector<std::string>& paths, bool check, std::ostream& out);

}  // namespace signet::app
