welcome = Willkommen bei { $name }
