ALTER TABLE `turns` ADD `client_tools` text;--> statement-breakpoint
CREATE INDEX `turns_message` ON `turns` (`assistant_message_id`);