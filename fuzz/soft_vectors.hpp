// Soft-authenticator vectors for the fuzz seeds (see soft_vectors.cpp).
#pragma once

#include <cstddef>
#include <filesystem>

namespace signet::fuzz {

/// Mints registrations (none, packed self, packed x5c, fido-u2f) and assertions for every supported
/// credential algorithm into `dir` as vector files; returns how many. Throws on I/O failure.
std::size_t write_soft_vectors(const std::filesystem::path& dir);

}  // namespace signet::fuzz
