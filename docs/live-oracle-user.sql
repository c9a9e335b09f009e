-- Throwaway users for running drcp_multi's test suite against a live Oracle (docs/live-oracle.md).
--
-- Run as an administrator (SYSTEM, or SYS AS SYSDBA), e.g. with SQL*Plus or SQLcl:
--   sql system/<password>@localhost:1521/FREE @docs/live-oracle-user.sql
-- Replace every CHANGE_ME password first. Drop everything again with the statements at the end.
--
-- Part 1 runs in the PDB the tests use (FREEPDB1 on Oracle Database Free); part 2 in the CDB root.

-- ---------------------------------------------------------------------------------------------------
-- Part 1: in the PDB.
ALTER SESSION SET CONTAINER = FREEPDB1;

-- The test user (DRCP_TEST_USER). The suite runs Django's migrations (contenttypes, auth) and creates
-- and drops its own tables in this schema, nothing else: a session, tables (with their indexes and
-- identity columns) and sequences, and room for their rows. These are the grants Django's Oracle backend
-- gives the test users it creates itself, without CREATE PROCEDURE/TRIGGER/VIEW, which the suite never
-- uses. No other privilege: DBMS_APPLICATION_INFO (the CLIENT_INFO the state checks leave) and
-- SYS_CONTEXT('USERENV', ...) are open to every user.
CREATE USER drcp_test IDENTIFIED BY "CHANGE_ME_1" DEFAULT TABLESPACE users QUOTA 100M ON users;
GRANT CREATE SESSION, CREATE TABLE, CREATE SEQUENCE TO drcp_test;

-- One user (and schema) per tenant alias for the tenancy mode "alias" (DRCP_TEST_ALIAS_USERS): the
-- tests create a table in each schema and check that each tenant's rows stay in its own.
CREATE USER drcp_t00 IDENTIFIED BY "CHANGE_ME_2" DEFAULT TABLESPACE users QUOTA 10M ON users;
CREATE USER drcp_t01 IDENTIFIED BY "CHANGE_ME_2" DEFAULT TABLESPACE users QUOTA 10M ON users;
CREATE USER drcp_t02 IDENTIFIED BY "CHANGE_ME_2" DEFAULT TABLESPACE users QUOTA 10M ON users;
CREATE USER drcp_t03 IDENTIFIED BY "CHANGE_ME_2" DEFAULT TABLESPACE users QUOTA 10M ON users;
CREATE USER drcp_t04 IDENTIFIED BY "CHANGE_ME_2" DEFAULT TABLESPACE users QUOTA 10M ON users;
CREATE USER drcp_t05 IDENTIFIED BY "CHANGE_ME_2" DEFAULT TABLESPACE users QUOTA 10M ON users;
GRANT CREATE SESSION, CREATE TABLE TO drcp_t00, drcp_t01, drcp_t02, drcp_t03, drcp_t04, drcp_t05;

-- ---------------------------------------------------------------------------------------------------
-- Part 2: in the CDB root, the monitoring user (DRCP_TEST_MONITOR_*).
--
-- Why a separate user, and why the root: the DRCP views are dynamic performance views, readable only
-- with SELECT on them (or SELECT_CATALOG_ROLE, which includes SELECT on every V$ view); the test user
-- must not have that, or the tests would not be checking what an application user sees. And with one
-- DRCP pool for the whole CDB (ENABLE_PER_PDB_DRCP = FALSE, the default) V$CPOOL_STATS and
-- V$CPOOL_CC_STATS have rows only in the root, so the monitoring connection goes to the root service
-- (FREE) as a common user. (With per-PDB DRCP on 23ai, create it in the PDB instead, without C##.)
ALTER SESSION SET CONTAINER = CDB$ROOT;

CREATE USER c##drcp_monitor IDENTIFIED BY "CHANGE_ME_3" CONTAINER = ALL;
GRANT CREATE SESSION TO c##drcp_monitor CONTAINER = ALL;
-- Exactly the views the suite reads (V_$ are the views behind the V$ synonyms):
--   V$CPOOL_CC_STATS  requests, hits, misses per connection class
--   V$CPOOL_CONN_INFO the class and purity of each client connected to the broker
--   V$CPOOL_STATS     the pool's own figures (drcp_multi's dashboard and drcp_pools --connect)
--   V$SESSION         SERVER = 'POOLED' and the trace attributes, seen from outside the session
-- Run these four as SYS (SYSTEM cannot grant SYS's objects without GRANT ANY OBJECT PRIVILEGE) ...
GRANT SELECT ON sys.v_$cpool_cc_stats TO c##drcp_monitor CONTAINER = ALL;
GRANT SELECT ON sys.v_$cpool_conn_info TO c##drcp_monitor CONTAINER = ALL;
GRANT SELECT ON sys.v_$cpool_stats TO c##drcp_monitor CONTAINER = ALL;
GRANT SELECT ON sys.v_$session TO c##drcp_monitor CONTAINER = ALL;
-- ... or, broader but simpler, the role that holds them all:
-- GRANT SELECT_CATALOG_ROLE TO c##drcp_monitor CONTAINER = ALL;
-- A common user sees other containers' rows of V$ views only with CONTAINER_DATA covering them:
ALTER USER c##drcp_monitor SET CONTAINER_DATA = ALL CONTAINER = CURRENT;

-- DRCP itself: start the pool (once; it stays started across restarts).
EXECUTE DBMS_CONNECTION_POOL.START_POOL();

-- ---------------------------------------------------------------------------------------------------
-- Afterwards (as the same administrator):
--   ALTER SESSION SET CONTAINER = FREEPDB1;
--   DROP USER drcp_test CASCADE;   -- ORA-01940 while its sessions are still cached in the DRCP pool:
--                                  -- ALTER SYSTEM KILL SESSION 'sid,serial#' IMMEDIATE for each row of
--                                  -- SELECT sid, serial# FROM v$session WHERE username = 'DRCP_TEST'
--   DROP USER drcp_t00 CASCADE;  ... DROP USER drcp_t05 CASCADE;
--   ALTER SESSION SET CONTAINER = CDB$ROOT;
--   DROP USER c##drcp_monitor CASCADE;
