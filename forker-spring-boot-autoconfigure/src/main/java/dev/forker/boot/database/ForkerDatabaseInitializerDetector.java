package dev.forker.boot.database;

import java.util.Set;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.sql.init.dependency.DatabaseInitializerDetector;
import org.springframework.core.Ordered;

/**
 * Detects forker's {@link AwaitDatabaseInitialization} as the first database initializer
 * of a worker's application context, so that every other initializer, and everything that
 * depends on database initialization, waits for it.
 *
 * @since 0.1.0
 */
public final class ForkerDatabaseInitializerDetector implements DatabaseInitializerDetector {

	@Override
	public Set<String> detect(ConfigurableListableBeanFactory beanFactory) {
		return beanFactory.containsBeanDefinition(AwaitDatabaseInitialization.BEAN_NAME)
				? Set.of(AwaitDatabaseInitialization.BEAN_NAME) : Set.of();
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
