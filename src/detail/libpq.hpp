#pragma once
// libpq, loaded when the first PostgreSQL store opens rather than when the program starts: a program that links
// irtcat but keeps its store in SQLite (every irtcat command given a file) does not load libpq and the twenty
// libraries it brings (Kerberos, LDAP, GnuTLS, SASL), which took 5–8 ms of every start. libpq's header still
// gives the types and the functions' signatures.

#include <libpq-fe.h>

namespace irtcat::detail {

/// The libpq functions the PostgreSQL store calls, by their own names.
struct Libpq {
  decltype(&::PQconnectdb) PQconnectdb;
  decltype(&::PQstatus) PQstatus;
  decltype(&::PQerrorMessage) PQerrorMessage;
  decltype(&::PQfinish) PQfinish;
  decltype(&::PQreset) PQreset;
  decltype(&::PQsocket) PQsocket;
  decltype(&::PQconsumeInput) PQconsumeInput;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
  decltype(&::PQtransactionStatus) PQtransactionStatus;
  decltype(&::PQexec) PQexec;
  decltype(&::PQexecParams) PQexecParams;
  decltype(&::PQprepare) PQprepare;
  decltype(&::PQexecPrepared) PQexecPrepared;
  decltype(&::PQresultStatus) PQresultStatus;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage;
  decltype(&::PQresultErrorField) PQresultErrorField;
  decltype(&::PQcmdTuples) PQcmdTuples;
  decltype(&::PQntuples) PQntuples;
  decltype(&::PQgetvalue) PQgetvalue;
  decltype(&::PQgetlength) PQgetlength;
  decltype(&::PQgetisnull) PQgetisnull;
  decltype(&::PQclear) PQclear;
};

/// libpq, loaded on the first call (from the path in the environment variable IRTCAT_LIBPQ if it is set, else
/// libpq.so.5 wherever the dynamic linker finds it) and kept until the program ends. Throws StoreError (SQLite's
/// SQLITE_CANTOPEN code) naming the library when it cannot be loaded or lacks a function; the next call tries again.
const Libpq& libpq();

}  // namespace irtcat::detail
