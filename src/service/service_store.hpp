#pragma once
// The service's rows in the irtcat database (schema versions 3, 4 and 7, src/detail/store_schema.hpp): clients, tokens,
// sections and the sessions of each section. Each function runs on one Store connection, in its own
// transaction unless it is called inside one.

#include <cstdint>
#include <optional>
#include <string>

#include "irtcat/service.hpp"
#include "irtcat/session.hpp"
#include "irtcat/store.hpp"

namespace irtcat::service {

struct SectionRow {
  std::string id;
  std::string client;
  std::string bank;
  int bank_version = 0;
  std::string configuration;  ///< base64, as the platform sent it
  std::string config;         ///< irtcat::to_json(SessionConfig)
  std::string qti_metadata;   ///< base64, as sent
  std::string qti_usagedata;  ///< base64, as sent
  bool ended = false;
  std::string design;      ///< the stored design the section runs; empty for the service's built-in defaults
  int design_version = 0;
};

struct SessionRow {
  std::string key;         ///< the public session identifier
  std::string section;
  std::int64_t session_id = 0;  ///< the store's session
  bool ended = false;
  std::size_t recorded = 0;     ///< the results its log held when the row was read
};

ClientCredentials add_client(Store& store, const std::string& name);
/// True when `id` is a client and `secret` its secret.
bool check_client(Store& store, const std::string& id, const std::string& secret);

/// Who a bearer token speaks for: its client, and for a candidate's token the one section it may take.
struct TokenGrant {
  std::string client;
  std::optional<std::string> section;  ///< nullopt: the platform's token, every call of its client
  std::int64_t expires_at = 0;         ///< Unix seconds (token_grant fills it in)
};

/// Stores a new bearer token (its hash) for `grant`, valid until grant.expires_at.
void add_token(Store& store, const std::string& token, const TokenGrant& grant);
/// What a token grants while it is valid at `now`.
std::optional<TokenGrant> token_grant(Store& store, const std::string& token, std::int64_t now);

void add_section(Store& store, const SectionRow& section);
std::optional<SectionRow> find_section(Store& store, const std::string& id);
void end_section(Store& store, const std::string& id);

/// Starts the store's session (labelled with the section's design and `candidate`, the platform's identifier of
/// the person, if any) and the section's session row in one transaction; returns the row.
SessionRow add_session(Store& store, const SectionRow& section, const SessionConfig& config, std::uint64_t seed,
                       const std::string& candidate = {});
std::optional<SessionRow> find_session(Store& store, const std::string& section, const std::string& key);
void end_session(Store& store, const std::string& key);

}  // namespace irtcat::service
