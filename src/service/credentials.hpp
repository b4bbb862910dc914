#pragma once
// Secrets for the service, from OpenSSL's libcrypto (no hand-written cryptography): random identifiers and
// secrets, the salted hash a client's secret is stored as, and the hash a bearer token is stored as.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace irtcat::service {

/// `bytes` bytes from OpenSSL's CSPRNG, as lowercase hex (2 × bytes characters). Throws
/// std::runtime_error if the generator fails.
std::string random_hex(std::size_t bytes);

/// PBKDF2-HMAC-SHA-256 of `secret` with `salt` (hex), as hex: how a client's secret is stored.
std::string secret_hash(std::string_view secret, std::string_view salt);

/// SHA-256 of `text` as hex: how a bearer token is stored (tokens are random and long, so no salt is needed).
std::string token_hash(std::string_view text);

/// `bytes` as base64 text (with padding): how a platform sends a section configuration.
std::string base64_text(std::string_view bytes);

/// The bytes a base64 text stands for; std::nullopt when it is not base64.
std::optional<std::string> base64_bytes(std::string_view text);

/// Equality that takes the same time wherever the texts differ.
bool same_secret(std::string_view a, std::string_view b) noexcept;

}  // namespace irtcat::service
