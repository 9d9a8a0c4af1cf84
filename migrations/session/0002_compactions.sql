CREATE TABLE `compactions` (
	`seq` integer PRIMARY KEY NOT NULL,
	`through_seq` integer NOT NULL,
	`summary` text NOT NULL,
	`created_at` integer NOT NULL
);
