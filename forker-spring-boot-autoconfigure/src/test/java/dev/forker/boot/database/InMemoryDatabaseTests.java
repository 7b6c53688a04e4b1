package dev.forker.boot.database;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link InMemoryDatabase}.
 */
class InMemoryDatabaseTests {

	private final ClassLoader classLoader = getClass().getClassLoader();

	@Test
	void inMemoryUrlsAreRecognized() {
		assertThat(InMemoryDatabase.isInMemory("jdbc:h2:mem:petclinic")).isTrue();
		assertThat(InMemoryDatabase.isInMemory("JDBC:HSQLDB:MEM:test")).isTrue();
		assertThat(InMemoryDatabase.isInMemory("jdbc:derby:memory:db;create=true")).isTrue();
		assertThat(InMemoryDatabase.isInMemory("r2dbc:h2:mem:///test")).isTrue();
		assertThat(InMemoryDatabase.isInMemory("jdbc:h2:file:/var/data/db")).isFalse();
		assertThat(InMemoryDatabase.isInMemory("jdbc:postgresql://db/petclinic")).isFalse();
	}

	@Test
	void describesTheConfiguredInMemoryDatabase() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.datasource.url", "jdbc:h2:mem:x");
		assertThat(InMemoryDatabase.describe(environment, this.classLoader))
			.isEqualTo("spring.datasource.url=jdbc:h2:mem:x");
		assertThat(InMemoryDatabase.isShared(environment, this.classLoader)).isFalse();
	}

	@Test
	void databaseServerIsShared() {
		MockEnvironment environment = new MockEnvironment().withProperty("spring.datasource.url",
				"jdbc:postgresql://localhost/app");
		assertThat(InMemoryDatabase.describe(environment, this.classLoader)).isNull();
		assertThat(InMemoryDatabase.isShared(environment, this.classLoader)).isTrue();
	}

	@Test
	void schemaChangingHibernateSettingsAreRecognized() {
		StandardEnvironment environment = new StandardEnvironment();
		assertThat(DatabaseTurns.changesSchema(environment)).isFalse();
		environment.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource("test", Map.of("SPRING_JPA_HIBERNATE_DDL_AUTO", "update")));
		assertThat(DatabaseTurns.changesSchema(environment)).isTrue();
	}

}
