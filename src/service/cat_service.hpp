#pragma once
// What the service does, without HTTP: each call takes the caller's client id and the request's JSON and returns
// a status and a JSON body; the HTTP layer (http_service.cpp) only authenticates and translates. Every call reads
// on a store connection of its own (a small pool), so calls on many threads never share one, and hands its
// writes to the process's one writer (committer.hpp).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "irtcat/profiles.hpp"
#include "irtcat/service.hpp"
#include "irtcat/session.hpp"
#include "irtcat/store.hpp"
#include "service/committer.hpp"
#include "service/service_store.hpp"
#include "service/workspace_pool.hpp"

namespace irtcat::service {

using nlohmann::json;

/// A status and a JSON body (empty for 204).
struct Reply {
  int status = 200;
  json body;
};

/// A request the service refuses: its HTTP status and a one-line reason, for the JSON error body.
class RequestError : public std::runtime_error {
 public:
  RequestError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

/// Store connections for concurrent calls: one per call in flight, kept for the next.
class StorePool {
 public:
  explicit StorePool(std::string path) : path_(std::move(path)) {}

  class Lease {
   public:
    Lease(StorePool& pool, std::unique_ptr<Store> store) : pool_(&pool), store_(std::move(store)) {}
    Lease(Lease&&) = default;
    ~Lease();
    Store& operator*() const noexcept { return *store_; }
    Store* operator->() const noexcept { return store_.get(); }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
  };

  Lease acquire();
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Store>> idle_;
};

class CatService {
 public:
  explicit CatService(const ServiceOptions& options);

  /// What a bearer token grants, while it is valid.
  std::optional<TokenGrant> grant_of_token(const std::string& token);
  /// OAuth 2 client credentials grant: a bearer token for a client that gives its secret. `scope` empty (or the
  /// binding's scope) gives the platform's token; "take:{sectionIdentifier}" gives a candidate's token for one of
  /// the client's active sections (docs/service.md, "A candidate's page").
  Reply issue_token(const std::string& grant_type, const std::string& client_id, const std::string& secret,
                    const std::string& scope = {});

  Reply create_section(const std::string& client, const json& body);
  Reply get_section(const std::string& client, const std::string& section);
  Reply end_section(const std::string& client, const std::string& section);
  Reply create_session(const std::string& client, const std::string& section, const json& body);
  Reply submit_results(const std::string& client, const std::string& section, const std::string& session,
                       const json& body);
  Reply end_session(const std::string& client, const std::string& section, const std::string& session);
  /// irtcat's own: the current estimate and the history of a session, its score per topic, and while it runs the
  /// offered item's content (never its key or explanation) with the sessionState to answer it from.
  Reply session_report(const std::string& client, const std::string& section, const std::string& session);
  /// True when the database answers.
  bool healthy();

 private:
  struct Section;
  struct Running;
  /// The section `id` of `client`, compiled. `fresh`: its row (its status) is read from the store, where another
  /// process may have changed it; otherwise a compiled section in memory answers without a read.
  std::shared_ptr<const Section> section_of(Store& store, const std::string& client, const std::string& id,
                                            bool fresh);
  void remember(const std::string& id, std::shared_ptr<const Section> section);
  /// The session kept in memory for `key` (an empty one the first time; 404 when the store has no session `key`
  /// in section `section`); lock its mutex to use it.
  std::shared_ptr<Running> running(Store& store, const std::string& section, const std::string& key);
  /// The session of `row` as the store holds it: the one in memory when its log is as long as the store's,
  /// else rebuilt from the store, with `lent`'s workspace for this call. Call with running.mutex held.
  struct Lent;
  Session& current(Running& running, const Section& section, const SessionRow& row, const Lent& lent);
  std::unique_ptr<ExposureCounts> exposure_of(const Section& section);
  json next_items_reply(const Section& section, const std::string& key, Session& session) const;
  json outcome(const Section& section, const Session& session) const;

  StorePool stores_;  ///< readers
  Committer writer_;  ///< every write, in group commits
  WorkspacePool workspaces_;  ///< the sessions' scratch, lent for a call
  std::chrono::seconds token_lifetime_;
  std::optional<RoleCatalog> catalog_;

  // Caches (the store holds everything; these save reads and rebuilds, and are bounded):
  std::mutex sections_mutex_;
  static constexpr std::size_t kMaxCachedSections = 64;
  std::map<std::string, std::shared_ptr<const Section>> sections_;  ///< compiled designs by section id
  std::mutex tokens_mutex_;
  static constexpr std::size_t kMaxCachedTokens = 4096;
  std::unordered_map<std::string, TokenGrant> tokens_;  ///< grants by token: tokens are never revoked, only expire
  std::mutex running_mutex_;
  static constexpr std::size_t kMaxRunningSessions = 10000;
  std::unordered_map<std::string, std::shared_ptr<Running>> running_;  ///< sessions by key, as last seen
};

}  // namespace irtcat::service
