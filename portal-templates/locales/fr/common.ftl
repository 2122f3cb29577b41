welcome = Bienvenue chez { $name }
