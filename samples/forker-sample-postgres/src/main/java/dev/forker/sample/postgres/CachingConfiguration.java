package dev.forker.sample.postgres;

import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Configuration;

/**
 * Caches owners in each worker's heap: Caffeine by default, Spring's concurrent map with
 * {@code spring.cache.type=simple}.
 */
@Configuration(proxyBeanMethods = false)
@EnableCaching
class CachingConfiguration {

}
