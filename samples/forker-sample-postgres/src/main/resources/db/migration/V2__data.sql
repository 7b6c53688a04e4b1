INSERT INTO owners (name) VALUES ('George Franklin'), ('Betty Davis');
INSERT INTO pets (name, owner_id) SELECT 'Leo', id FROM owners WHERE name = 'George Franklin' ORDER BY id DESC LIMIT 1;
