package dev.forker.sample.postgres;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Owners' names, read from PostgreSQL through the {@code owners} cache, and the usual ways
 * to keep that cache right when a name changes.
 */
@Service
public class Owners {

	private final JdbcTemplate jdbc;

	Owners(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	@Cacheable("owners")
	public String name(int id) {
		return this.jdbc.queryForObject("SELECT name FROM owners WHERE id = ?", String.class, id);
	}

	@CacheEvict(cacheNames = "owners", key = "#id")
	public void rename(int id, String name) {
		update(id, name);
	}

	@CachePut(cacheNames = "owners", key = "#id")
	public String renameAndCache(int id, String name) {
		update(id, name);
		return name;
	}

	@CacheEvict(cacheNames = "owners", allEntries = true)
	public void renameAndEvictAll(int id, String name) {
		update(id, name);
	}

	/**
	 * Rename without touching the cache, to compare with the renames that do.
	 * @param id the owner's id
	 * @param name the new name
	 */
	public void renameUncached(int id, String name) {
		update(id, name);
	}

	private void update(int id, String name) {
		this.jdbc.update("UPDATE owners SET name = ? WHERE id = ?", name, id);
	}

}
