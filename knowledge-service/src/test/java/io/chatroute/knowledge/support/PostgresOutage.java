package io.chatroute.knowledge.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * A real, reversible PostgreSQL outage for the service's database (the way history-service's StoreOutageTest
 * does it): {@link #begin()} makes the database refuse new connections ({@code ALLOW_CONNECTIONS false}) and
 * terminates every open connection to it but the test's own, so the service's pooled connections die and new
 * ones are refused with SQLSTATE 55000; {@link #end()} (and {@link #close()}) allows connections again.
 *
 * <p>Two connections of the test's own, opened before the outage: one to the maintenance database
 * {@code postgres} (a database cannot disallow connections to itself) and one to the service's database,
 * which survives the outage, so the test can look at the service's tables while it lasts.
 */
public final class PostgresOutage implements AutoCloseable {

    private final Connection admin;
    private final Connection db;
    private final String database;
    private final int ownPid;

    public PostgresOutage() throws SQLException {
        this.db = connection(null);
        this.admin = connection("postgres");
        this.database = single(db, "SELECT current_database()");
        this.ownPid = Integer.parseInt(single(db, "SELECT pg_backend_pid()"));
    }

    /** The database refuses new connections; the service's open ones are terminated. */
    public void begin() throws SQLException {
        exec("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
        try (PreparedStatement st = admin.prepareStatement(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ? AND pid <> ?")) {
            st.setString(1, database);
            st.setInt(2, ownPid);
            st.executeQuery().close();
        }
    }

    /** The database accepts connections again. */
    public void end() throws SQLException {
        exec("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
    }

    /** {@code select count(*) ...} on the service's database, through the test's own connection. */
    public long count(String sql, Object... args) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Allows connections again (whatever happened) and closes the test's connections. */
    @Override
    public void close() throws SQLException {
        try {
            end();
        } finally {
            db.close();
            admin.close();
        }
    }

    private void exec(String sql) throws SQLException {
        try (var st = admin.createStatement()) {
            st.execute(sql);
        }
    }

    private static Connection connection(String otherDatabase) throws SQLException {
        var config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        if (otherDatabase != null) {
            url = url.replaceFirst("/[^/?]+(\\?|$)", "/" + otherDatabase + "$1");
        }
        Connection c = DriverManager.getConnection(url, config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
        c.setAutoCommit(true);
        return c;
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
