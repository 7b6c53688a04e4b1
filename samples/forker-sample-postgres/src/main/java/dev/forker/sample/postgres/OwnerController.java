package dev.forker.sample.postgres;

import dev.forker.boot.Forker;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Reads an owner through the cache, and renames one in the ways an application keeps its
 * cache right: {@code @CacheEvict} of the entry, {@code @CachePut}, {@code @CacheEvict}
 * of every entry, and, to compare, a rename that leaves the cache alone.
 */
@RestController
class OwnerController {

	private static final long PID = ProcessHandle.current().pid();

	private final Owners owners;

	OwnerController(Owners owners) {
		this.owners = owners;
	}

	@GetMapping("/owners/{id}")
	OwnerView owner(@PathVariable int id) {
		return view(id, this.owners.name(id));
	}

	@PostMapping("/owners/{id}")
	OwnerView rename(@PathVariable int id, @RequestParam String name) {
		this.owners.rename(id, name);
		return view(id, name);
	}

	@PostMapping("/owners/{id}/cached")
	OwnerView renameAndCache(@PathVariable int id, @RequestParam String name) {
		return view(id, this.owners.renameAndCache(id, name));
	}

	@PostMapping("/owners/{id}/evict-all")
	OwnerView renameAndEvictAll(@PathVariable int id, @RequestParam String name) {
		this.owners.renameAndEvictAll(id, name);
		return view(id, name);
	}

	@PostMapping("/owners/{id}/uncached")
	OwnerView renameUncached(@PathVariable int id, @RequestParam String name) {
		this.owners.renameUncached(id, name);
		return view(id, name);
	}

	private static OwnerView view(int id, String name) {
		return new OwnerView(id, name, Forker.workerId().orElse(0), PID);
	}

	record OwnerView(int id, String name, int worker, long pid) {
	}

}
