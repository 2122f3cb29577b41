welcome = Bienvenido a { $name }
