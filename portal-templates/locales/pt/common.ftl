welcome = Bem-vindo a { $name }
