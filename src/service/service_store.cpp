// The service's rows in the irtcat database: clients, tokens, sections and their sessions.

#include "service/service_store.hpp"

#include "irtcat/error.hpp"
#include "service/credentials.hpp"

namespace irtcat::service {

ClientCredentials add_client(Store& store, const std::string& name) {
  if (name.empty()) throw InvalidArgument("serve client add: the client's name is empty");
  ClientCredentials credentials{random_hex(16), random_hex(32)};
  const std::string salt = random_hex(16);
  Statement insert(store.database(),
                   "INSERT INTO service_clients (client_id, name, salt, secret_hash) VALUES (?, ?, ?, ?)");
  insert.bind(1, credentials.id).bind(2, name).bind(3, salt).bind(4, secret_hash(credentials.secret, salt)).run();
  return credentials;
}

bool check_client(Store& store, const std::string& id, const std::string& secret) {
  Statement select(store.database(), "SELECT salt, secret_hash FROM service_clients WHERE client_id = ?");
  select.bind(1, id);
  if (!select.step()) return false;
  return same_secret(secret_hash(secret, select.column_text(0)), select.column_text(1));
}

void add_token(Store& store, const std::string& token, const TokenGrant& grant) {
  Transaction transaction(store.database());
  // Expired tokens are dropped as new ones are issued, so the table holds only live ones.
  Statement expired(store.database(), "DELETE FROM service_tokens WHERE expires_at < ?");
  expired.bind(1, grant.expires_at - 24 * 3600).run();
  Statement insert(store.database(),
                   "INSERT INTO service_tokens (token_hash, client_id, expires_at, section_id) VALUES (?, ?, ?, ?)");
  insert.bind(1, token_hash(token)).bind(2, grant.client).bind(3, grant.expires_at);
  if (grant.section) {
    insert.bind(4, *grant.section);
  } else {
    insert.bind_null(4);
  }
  insert.run();
  transaction.commit();
}

std::optional<TokenGrant> token_grant(Store& store, const std::string& token, std::int64_t now) {
  Statement select(store.database(),
                   "SELECT client_id, section_id, expires_at FROM service_tokens WHERE token_hash = ? AND expires_at > ?");
  select.bind(1, token_hash(token)).bind(2, now);
  if (!select.step()) return std::nullopt;
  TokenGrant grant{select.column_text(0), std::nullopt, select.column_int64(2)};
  if (!select.is_null(1)) grant.section = select.column_text(1);
  return grant;
}

void add_section(Store& store, const SectionRow& section) {
  Transaction transaction(store.database());
  Statement bank(store.database(), "SELECT bank_id FROM banks WHERE name = ?");
  bank.bind(1, section.bank);
  if (!bank.step()) throw InvalidArgument("the store holds no bank '" + section.bank + "'");
  Statement insert(store.database(),
                   "INSERT INTO service_sections (section_id, client_id, bank_id, bank_version, configuration, config, "
                   "qti_metadata, qti_usagedata, design, design_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, section.id).bind(2, section.client).bind(3, bank.column_int64(0)).bind(4, section.bank_version);
  insert.bind(5, section.configuration).bind(6, section.config).bind(7, section.qti_metadata);
  insert.bind(8, section.qti_usagedata);
  if (section.design.empty()) {
    insert.bind_null(9).bind_null(10);
  } else {
    insert.bind(9, section.design).bind(10, section.design_version);
  }
  insert.run();
  transaction.commit();
}

std::optional<SectionRow> find_section(Store& store, const std::string& id) {
  Statement select(store.database(),
                   "SELECT s.section_id, s.client_id, b.name, s.bank_version, s.configuration, s.config, "
                   "s.qti_metadata, s.qti_usagedata, s.status, s.design, s.design_version FROM service_sections s "
                   "JOIN banks b ON b.bank_id = s.bank_id WHERE s.section_id = ?");
  select.bind(1, id);
  if (!select.step()) return std::nullopt;
  return SectionRow{select.column_text(0), select.column_text(1), select.column_text(2), select.column_int(3),
                    select.column_text(4), select.column_text(5), select.column_text(6), select.column_text(7),
                    select.column_text(8) == "ended", select.column_text(9),
                    select.is_null(10) ? 0 : select.column_int(10)};
}

void end_section(Store& store, const std::string& id) {
  Statement update(store.database(), "UPDATE service_sections SET status = 'ended' WHERE section_id = ?");
  update.bind(1, id).run();
}

SessionRow add_session(Store& store, const SectionRow& section, const SessionConfig& config, std::uint64_t seed,
                       const std::string& candidate) {
  Transaction transaction(store.database());
  SessionRow row{random_hex(16), section.id, 0, false};
  row.session_id = store.create_session(section.bank, section.bank_version, config, seed,
                                        SessionLabels{section.design, section.design_version, candidate});
  Statement insert(store.database(), "INSERT INTO service_sessions (session_key, section_id, session_id) VALUES (?, ?, ?)");
  insert.bind(1, row.key).bind(2, section.id).bind(3, row.session_id).run();
  transaction.commit();
  return row;
}

std::optional<SessionRow> find_session(Store& store, const std::string& section, const std::string& key) {
  Statement select(store.database(),
                   "SELECT s.session_id, s.ended, (SELECT coalesce(max(r.seq), 0) FROM responses r "
                   "WHERE r.session_id = s.session_id) FROM service_sessions s WHERE s.session_key = ? AND s.section_id = ?");
  select.bind(1, key).bind(2, section);
  if (!select.step()) return std::nullopt;
  return SessionRow{key, section, select.column_int64(0), select.column_int(1) != 0,
                    static_cast<std::size_t>(select.column_int64(2))};
}

void end_session(Store& store, const std::string& key) {
  Statement update(store.database(), "UPDATE service_sessions SET ended = 1 WHERE session_key = ?");
  update.bind(1, key).run();
}

}  // namespace irtcat::service
