package dev.forker.boot.cache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopConfigException;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCache;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.support.SimpleCacheManager;

import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Keeps the application's local caches coherent across the workers: every
 * {@link CacheManager} bean of a local kind (Spring's {@link ConcurrentMapCacheManager},
 * the default, and {@code CaffeineCacheManager}; a {@link SimpleCacheManager} of such
 * caches) is replaced by a proxy of the same class whose caches write their evictions,
 * puts and clears to the {@link InvalidationLog log of invalidations} that every worker
 * shares in the master's state directory, and apply the other workers' invalidations
 * before each read. The master is not involved. Other cache managers, distributed ones
 * such as Redis, Hazelcast or Infinispan, are left alone: they are coherent already.
 * <p>
 * Worker 1 logs at start which caches are kept coherent.
 *
 * @since 0.1.0
 */
public final class CoherentCacheManagers
		implements BeanPostProcessor, BeanClassLoaderAware, SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(CoherentCacheManagers.class);

	private static final String CAFFEINE_CACHE_MANAGER = "org.springframework.cache.caffeine.CaffeineCacheManager";

	private static final String CAFFEINE_CACHE = "org.springframework.cache.caffeine.CaffeineCache";

	private final int workerId;

	private final long pid;

	private final Path stateDirectory;

	private final Map<String, CacheManager> coherent = new ConcurrentHashMap<>();

	private final Map<String, String> leftAlone = new ConcurrentHashMap<>();

	private volatile @Nullable CacheInvalidations invalidations;

	private ClassLoader classLoader = CoherentCacheManagers.class.getClassLoader();

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 */
	public CoherentCacheManagers(WorkerAgent agent) {
		this(agent.getEnvironment().workerId(), ProcessHandle.current().pid(),
				StateDirectory.of(agent.getEnvironment().controlSocket()));
	}

	/**
	 * Create a new instance.
	 * @param workerId the id of this worker
	 * @param pid the pid of this worker
	 * @param stateDirectory the directory of the state that every worker shares, which
	 * holds the log of invalidations
	 */
	CoherentCacheManagers(int workerId, long pid, Path stateDirectory) {
		this.workerId = workerId;
		this.pid = pid;
		this.stateDirectory = stateDirectory;
	}

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (!(bean instanceof CacheManager manager)) {
			return bean;
		}
		if (!isLocal(manager)) {
			this.leftAlone.put(beanName, bean.getClass().getName());
			return bean;
		}
		CacheInvalidations invalidations = invalidations();
		invalidations.register(beanName, manager);
		this.coherent.put(beanName, manager);
		return proxy(manager, beanName, invalidations);
	}

	private synchronized CacheInvalidations invalidations() {
		CacheInvalidations invalidations = this.invalidations;
		if (invalidations == null) {
			InvalidationLog log;
			try {
				log = InvalidationLog.open(this.stateDirectory);
			}
			catch (IOException | RuntimeException ex) {
				throw new IllegalStateException("Cannot keep the local caches coherent across the workers: could not "
						+ "create or map the log of cache invalidations " + InvalidationLog.FILE_NAME + " in "
						+ this.stateDirectory + " (" + ex + "). It takes "
						+ InvalidationLog.size(InvalidationLog.DEFAULT_SLOTS) / 1024 + " KiB of the file system of "
						+ "that directory (/dev/shm when it has room): free some, or give a container a larger "
						+ "/dev/shm (docker run --shm-size, a memory-backed emptyDir on Kubernetes); or set "
						+ "forker.cache.coherence=false to let each worker's caches be its own.", ex);
			}
			invalidations = new CacheInvalidations(log, this.pid, this.classLoader);
			this.invalidations = invalidations;
		}
		return invalidations;
	}

	/**
	 * Return the invalidations of the caches kept coherent.
	 * @return the invalidations, or {@code null} if no cache is kept coherent
	 */
	@Nullable CacheInvalidations getInvalidations() {
		return this.invalidations;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.coherent.isEmpty() && this.leftAlone.isEmpty()) {
			return;
		}
		List<String> described = new ArrayList<>();
		this.coherent.forEach((name, manager) -> {
			Collection<String> caches = manager.getCacheNames();
			described.add(name + " (" + manager.getClass().getSimpleName() + ", "
					+ (caches.isEmpty() ? "every cache it creates" : "caches " + caches) + ")");
		});
		String message = "Local caches kept coherent across the workers (an eviction, put or clear in one worker "
				+ "is in the shared invalidation log before it returns, and every worker reads the log before "
				+ "it reads its caches): " + (described.isEmpty() ? "none" : described) + (this.leftAlone.isEmpty() ? ""
						: "; cache managers left alone, not local: " + this.leftAlone.keySet());
		// Every worker has the same caches: one of them says so
		if (this.workerId == 1) {
			logger.info(message);
		}
		else if (logger.isDebugEnabled()) {
			logger.debug(message);
		}
	}

	/**
	 * Return whether a cache manager keeps its entries in the worker's heap.
	 * @param manager the cache manager
	 * @return whether its caches are local
	 */
	static boolean isLocal(CacheManager manager) {
		if (manager instanceof ConcurrentMapCacheManager || isA(manager, CAFFEINE_CACHE_MANAGER)) {
			return true;
		}
		if (manager instanceof SimpleCacheManager) {
			Collection<String> names = manager.getCacheNames();
			return !names.isEmpty() && names.stream().map(manager::getCache).allMatch(CoherentCacheManagers::isLocal);
		}
		return false;
	}

	private static boolean isLocal(@Nullable Cache cache) {
		return cache instanceof ConcurrentMapCache || (cache != null && isA(cache, CAFFEINE_CACHE));
	}

	private static boolean isA(Object object, String className) {
		for (Class<?> type = object.getClass(); type != null; type = type.getSuperclass()) {
			if (type.getName().equals(className)) {
				return true;
			}
		}
		return false;
	}

	private Object proxy(CacheManager manager, String beanName, CacheInvalidations invalidations) {
		ProxyFactory factory = new ProxyFactory(manager);
		factory.addAdvice(new CoherentCaches(beanName, invalidations));
		// The same class, so that the application can still inject it by its class
		factory.setProxyTargetClass(true);
		try {
			return factory.getProxy(this.classLoader);
		}
		catch (AopConfigException ex) {
			factory.setProxyTargetClass(false);
			return factory.getProxy(this.classLoader);
		}
	}

	/**
	 * Hands out a coherent decorator of a cache manager's cache for each {@code getCache}
	 * call.
	 */
	private static final class CoherentCaches implements MethodInterceptor {

		private final String managerName;

		private final CacheInvalidations invalidations;

		CoherentCaches(String managerName, CacheInvalidations invalidations) {
			this.managerName = managerName;
			this.invalidations = invalidations;
		}

		@Override
		public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			Object result = invocation.proceed();
			if (!(result instanceof Cache cache) || !"getCache".equals(invocation.getMethod().getName())
					|| cache instanceof CoherentCache) {
				return result;
			}
			return new CoherentCache(cache, this.managerName, this.invalidations,
					this.invalidations.generation(this.managerName, cache.getName()));
		}

	}

}
